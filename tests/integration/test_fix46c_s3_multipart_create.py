"""A large S3 create on a store that ignores If-None-Match on CompleteMultipartUpload (fix 46 C, item 1).

Round 46 sends an object over ``CTLOOP_S3_PART_MIB`` as a multipart upload, and a create's
``If-None-Match: *`` with CompleteMultipartUpload. ctloop asked whether the store checks the header
(``_S3.conditional_writes``) with PutObject only. Stores have checked it on PutObject and ignored it on
the complete: moto until getmoto/moto#9209 (2025-08: "complete_multipart_upload() should respect
IfNoneMatch for existing MultiPart object", after #8380 which checked only a repeated complete),
ministack until ministackorg/ministack#1435 ("Conditional writes landed on PutObject, but
CompleteMultipartUpload accepted the same headers and ignored them ... tests LocalStack fails as
well"). There a second large create replaced the first and both writers were told they created it:
an acknowledged object lost. Now a store that checks the header on PutObject is asked once more, per
endpoint and bucket, before its first large create: a one-part multipart upload of a probe name of its
own, completed twice with the header; where the second complete is taken, a large create is refused
in one line naming the fix, nothing sent.

``CompleteIgnoresHeader`` is a double of such a store: the session's moto 5.2.5 (which checks the
header on both: s3/responses.py ``_key_response_post``, ``_key_response_put``) behind a proxy that drops
``If-None-Match`` from CompleteMultipartUpload (``POST ...?uploadId=``) only."""

from __future__ import annotations

import os

import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler

MIB = 1024 * 1024


class CompleteIgnoresHeader(ProxyDouble):
    """Double of an S3-compatible store that checks If-None-Match on PutObject, not on the complete."""

    def __init__(self, upstream: str) -> None:
        class Handler(ProxyHandler):
            def forward(self) -> None:
                complete = self.command == "POST" and "uploadId=" in self.path
                self.drop = frozenset({"if-none-match"}) if complete else frozenset()
                super().forward()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture
def caches(monkeypatch):
    for name in ("_S3_CONDITIONAL", "_S3_CONDITIONAL_COMPLETE", "_S3_REFUSAL", "_S3_PROBES_LEFT"):
        monkeypatch.setattr(storage, name, type(getattr(storage, name, {}))(), raising=False)


@pytest.fixture
def bucket(moto_url, tmp_path, monkeypatch, caches):
    """(``s3://<fresh bucket>/data``, bucket name, a boto3 client straight to moto); 5 MiB parts."""
    import boto3

    root = fresh_bucket(
        Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data"
    )
    client = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    monkeypatch.setenv("CTLOOP_S3_PART_MIB", "5")
    return root, root.split("/")[2], client


@pytest.fixture
def ignoring(bucket, moto_url, monkeypatch):
    proxy = CompleteIgnoresHeader(moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    yield bucket
    proxy.close()


def _body(size: int) -> bytes:
    return (os.urandom(4096) * (size // 4096 + 1))[:size]


def _keys(client, name: str) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", [])]


def test_the_double_ignores_the_header_on_the_complete_only(ignoring):
    import boto3
    from botocore.exceptions import ClientError

    _, name, _ = ignoring
    client = boto3.client("s3")  # the environment points it at the double
    client.put_object(Bucket=name, Key="k", Body=b"1", IfNoneMatch="*")
    with pytest.raises(ClientError, match="PreconditionFailed"):
        client.put_object(Bucket=name, Key="k", Body=b"2", IfNoneMatch="*")
    for body in (b"3", b"4"):
        upload = client.create_multipart_upload(Bucket=name, Key="m")["UploadId"]
        etag = client.upload_part(Bucket=name, Key="m", UploadId=upload, PartNumber=1, Body=body)[
            "ETag"
        ]
        client.complete_multipart_upload(
            Bucket=name,
            Key="m",
            UploadId=upload,
            IfNoneMatch="*",
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
        )
    assert (
        client.get_object(Bucket=name, Key="m")["Body"].read() == b"4"
    )  # the second replaced the first


def test_two_large_creates_never_both_succeed(ignoring):
    """Before: both True, the first writer's object gone."""
    root, name, client = ignoring
    first, second = _body(6 * MIB), _body(6 * MIB)
    told = []
    for body in (first, second):
        try:
            told.append(storage.create_bytes(f"{root}/once.bin", body))
        except ConfigError:
            told.append("refused")
    assert told.count(True) <= 1
    if told[0] is True:
        assert client.get_object(Bucket=name, Key="data/once.bin")["Body"].read() == first


def test_a_large_create_is_refused_in_one_line_and_sends_nothing(ignoring):
    root, name, client = ignoring
    with pytest.raises(
        ConfigError,
        match=(
            rf"^cannot create {root}/once.bin \(7 MiB, sent in parts over CTLOOP_S3_PART_MIB=5\): http://127.0.0.1:"
            r"\d+ checks If-None-Match on PutObject but not on CompleteMultipartUpload, so another writer's "
            r".*set CTLOOP_S3_PART_MIB to 7 or more \(one PutObject, which it checks"
        ),
    ) as caught:
        storage.create_bytes(f"{root}/once.bin", _body(7 * MIB))
    assert "\n" not in str(caught.value)
    assert _keys(client, name) == []  # nothing written, no probe left
    assert client.list_multipart_uploads(Bucket=name).get("Uploads", []) == []
    assert list(storage._S3_CONDITIONAL_COMPLETE.values()) == [False]  # asked once, remembered
    with pytest.raises(ConfigError, match="not on CompleteMultipartUpload"):
        storage.create_bytes(f"{root}/twice.bin", _body(7 * MIB))


def test_small_creates_and_large_writes_there_are_not_refused(ignoring):
    root, name, client = ignoring
    assert storage.create_bytes(f"{root}/small.json", b"{}") is True
    assert storage.create_bytes(f"{root}/small.json", b"[]") is False
    storage.write_bytes(f"{root}/big.bin", _body(6 * MIB))  # a replace asks nothing
    assert storage._S3_CONDITIONAL_COMPLETE == {}
    assert sorted(_keys(client, name)) == ["data/big.bin", "data/small.json"]


def test_a_store_that_checks_the_complete_is_asked_once_and_keeps_no_probe(bucket, moto_url):
    root, name, client = bucket
    first = _body(6 * MIB)
    assert storage.create_bytes(f"{root}/a.bin", first) is True
    assert storage.create_bytes(f"{root}/a.bin", _body(6 * MIB)) is False
    assert storage.create_bytes(f"{root}/b.bin", _body(6 * MIB)) is True
    assert storage._S3_CONDITIONAL_COMPLETE == {(moto_url, name): True}
    assert sorted(_keys(client, name)) == ["data/a.bin", "data/b.bin"]
    assert client.get_object(Bucket=name, Key="data/a.bin")["Body"].read() == first
    assert client.list_multipart_uploads(Bucket=name).get("Uploads", []) == []
