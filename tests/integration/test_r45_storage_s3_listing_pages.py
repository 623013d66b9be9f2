"""An S3 listing cut short without a continuation token ended silently (round 45, storage).

S3 answers a listing in pages of at most 1,000 keys; a page that is not the last is marked
``IsTruncated`` and carries ``NextContinuationToken`` (ListObjectsV2). botocore's paginator stops at a
truncated page without a token, without a word, and a store that answers ListObjects (V1: ``NextMarker``
or nothing) to a V2 request is such a store (older Ceph RGW, some S3 gateways): ``list_files`` of a
prefix returned its first page only, and a drift run, a label ingest or a blob import read the first
1,000 objects as if they were all. Now every page is asked for, and a truncated page without a token is
an error naming the store and how many keys were listed.

``PagesOf2`` is a proxy double in front of the session's moto: it asks moto for pages of 2 keys (so a
few keys page as 1,000s would), and with ``v1`` drops the token as a V1-only store does."""

from __future__ import annotations

import re

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler


class PagesOf2(ProxyDouble):
    """moto with listing pages of 2 keys; ``v1`` drops ``<NextContinuationToken>`` from them."""

    def __init__(self, upstream: str, v1: bool) -> None:
        class Handler(ProxyHandler):
            def forward(self) -> None:
                if self.command == "GET" and "list-type=2" in self.path:
                    self.path += "&max-keys=2"
                super().forward()

            def relay_answer(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
                if v1 and b"<ListBucketResult" in data:
                    data = re.sub(rb"<NextContinuationToken>[^<]*</NextContinuationToken>", b"", data)
                super().relay_answer(status, headers, data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture
def five(moto_url, tmp_path, monkeypatch):
    root = fresh_bucket(Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data")
    for n in range(5):
        storage.write_bytes(f"{root}/part-{n}.csv", b"a\n1\n")
    return root


def test_every_page_is_listed(moto_url, five, monkeypatch):
    proxy = PagesOf2(moto_url, v1=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        assert storage.list_files(five) == [f"{five}/part-{n}.csv" for n in range(5)]
        assert len(storage.list_objects(five)) == 5
    finally:
        proxy.close()


@pytest.mark.parametrize("call", ["list_files", "list_objects"])
def test_a_page_cut_short_without_a_token_is_an_error(moto_url, five, monkeypatch, call):
    proxy = PagesOf2(moto_url, v1=True)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        with pytest.raises(DataSourceError) as caught:
            getattr(storage, call)(five)  # before: the first 2 of 5, without a word
    finally:
        proxy.close()
    said = str(caught.value)
    assert f"marked its listing of {storage.parse(five).bucket}/data/ as cut short after 2 keys" in said
    assert "does not implement ListObjectsV2 paging" in said and "\n" not in said
