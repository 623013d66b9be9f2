"""A dataset scan of an S3 bucket outside ``AWS_DEFAULT_REGION`` failed (round 45, storage).

S3 answers a request signed for another region than its bucket's with 301 ``PermanentRedirect`` and
the bucket's region in ``x-amz-bucket-region`` (a HEAD's answer has no body; Amazon S3 API reference,
"Error responses", and the HeadBucket page). boto3 follows it (botocore's ``S3RegionRedirectorv2``):
``read_bytes``, ``list_files`` and ``read_table`` worked. pyarrow 25.0.1's ``S3FileSystem`` does not,
and ctloop built it with the client's region, so every ``pyarrow.dataset`` scan (the stream drift
engine, the labels store, the inference log's requeue) failed: "AWS Error UNKNOWN (HTTP status 301)
during HeadObject operation: No response body. Looks like the configured region is 'us-east-1' while the
bucket is located in 'eu-west-1'". Now the filesystem is built for the bucket's own region, asked once
(``HeadBucket``). moto 5 keeps every region's buckets in one server and redirects nobody: ``Regional``
is a proxy double in front of it answering a request signed for any other region as S3 does."""

from __future__ import annotations

import io
import re

import pytest

from ctloop import storage
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler

REGION = "eu-west-1"


class Regional(ProxyDouble):
    """S3 whose buckets are all in ``REGION``: a request signed (SigV4 credential scope) for another region
    is answered 301 PermanentRedirect with ``x-amz-bucket-region`` (no body to a HEAD); the others go to
    moto, whose ``x-amz-bucket-region`` is made ``REGION``. ``regions`` lists the region of each request's signature."""

    def __init__(self, upstream: str) -> None:
        double = self
        self.regions: list[str] = []

        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                signed = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/s3/", self.headers.get("Authorization", ""))
                region = signed.group(1) if signed else ""
                double.regions.append(region)
                if not signed or region == REGION:
                    return False
                error = (
                    "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be "
                    "addressed using the specified endpoint. Please send all future requests to this endpoint."
                    f"</Message><Endpoint>s3.{REGION}.amazonaws.com</Endpoint></Error>"
                ).encode()
                self.send_response(301)
                self.send_header("x-amz-bucket-region", REGION)
                if self.command == "HEAD":
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return True
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(error)))
                self.end_headers()
                self.wfile.write(error)
                return True

            def relay_answer(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
                # moto names the region its bucket was made in (us-east-1): here every bucket is in REGION
                headers = [(k, REGION if k.lower() == "x-amz-bucket-region" else v) for k, v in headers]
                super().relay_answer(status, headers, data)

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture
def regional(moto_url, tmp_path, monkeypatch):
    """A dataset ``data/`` of two Parquet parts in a fresh bucket, reached through ``Regional`` with
    ``AWS_DEFAULT_REGION=us-east-1``."""
    import pandas as pd

    root = fresh_bucket(Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data")
    for part in range(2):
        buffer = io.BytesIO()
        pd.DataFrame({"a": [part, part + 10]}).to_parquet(buffer, index=False)
        storage.write_bytes(f"{root}/part-{part}.parquet", buffer.getvalue())
    proxy = Regional(moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        yield root, proxy
    finally:
        proxy.close()


def test_a_dataset_scan_of_a_bucket_in_another_region_reads_it(regional):
    import pyarrow.dataset as ds

    root, proxy = regional
    assert storage.list_files(root) == [f"{root}/part-0.parquet", f"{root}/part-1.parquet"]  # boto3: always did
    fs, path = storage.filesystem(root)
    table = ds.dataset(path, filesystem=fs, format="parquet").to_table()
    assert sorted(table.column("a").to_pylist()) == [0, 1, 10, 11]
    assert fs.region == REGION
    asked = len(proxy.regions)
    storage.filesystem(root)  # the region is asked once per endpoint and bucket
    assert len(proxy.regions) == asked


def test_a_bucket_whose_head_is_refused_still_names_its_region(regional, monkeypatch):
    """HeadBucket needs s3:ListBucket; S3 names the region in its 403 too: that is enough."""
    root, proxy = regional

    class NoList(ProxyHandler):
        def intercept(self, body: bytes) -> bool:
            if self.command != "HEAD" or self.path.strip("/").count("/"):
                return False  # a HEAD of an object, anything else: through
            self.send_response(403)
            self.send_header("x-amz-bucket-region", REGION)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return True

    NoList.upstream = proxy.url
    refusing = ProxyDouble(NoList)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", refusing.url)
    try:
        fs, _ = storage.filesystem(root)
    finally:
        refusing.close()
    assert fs.region == REGION
