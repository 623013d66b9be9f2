"""An S3 endpoint URL with a path (``AWS_ENDPOINT_URL_S3=https://gateway/minio``): dataset scans went
elsewhere (round 45, storage).

An S3-compatible store behind a reverse proxy or an API gateway is reached under a path; boto3 keeps
it (botocore prefixes every request path with the endpoint's), so writes, reads and listings worked.
``filesystem`` handed pyarrow only the host and port (``endpoint_override=parts.netloc``), so every
``pyarrow.dataset`` scan (the stream drift engine, the labels store, the requeue) asked the host's root
instead: "FileNotFoundError: BUCKET/data" for data that was there, or another store's objects. pyarrow
25.0.1 takes a path in ``endpoint_override`` (the AWS SDK for C++ keeps it): now it is given. ``Gateway``
is a proxy double serving moto under ``/minio/`` only, as such a gateway does."""

from __future__ import annotations

import io

import pytest

from ctloop import storage
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler


class Gateway(ProxyDouble):
    """moto under ``/minio/``; any other path is answered 404 NoSuchBucket. ``paths`` lists the paths asked."""

    def __init__(self, upstream: str) -> None:
        double = self
        self.paths: list[str] = []

        class Handler(ProxyHandler):
            def forward(self) -> None:
                double.paths.append(self.path)
                if not self.path.startswith("/minio/"):
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    self.send_xml_error(404, "NoSuchBucket", "The specified bucket does not exist")
                    return
                self.path = self.path[len("/minio"):]
                super().forward()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture
def gateway(moto_url, tmp_path, monkeypatch):
    root = fresh_bucket(Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data")
    proxy = Gateway(moto_url)
    try:
        yield root, proxy
    finally:
        proxy.close()


@pytest.mark.parametrize("suffix", ["/minio", "/minio/"], ids=["path", "path-slash"])
def test_a_dataset_scan_keeps_the_endpoints_path(gateway, monkeypatch, suffix):
    import pandas as pd
    import pyarrow.dataset as ds

    root, proxy = gateway
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url + suffix)
    buffer = io.BytesIO()
    pd.DataFrame({"a": [1, 2]}).to_parquet(buffer, index=False)
    storage.write_bytes(f"{root}/part-0.parquet", buffer.getvalue())  # boto3: always under /minio/
    fs, path = storage.filesystem(root)
    table = ds.dataset(path, filesystem=fs, format="parquet").to_table()
    assert table.column("a").to_pylist() == [1, 2]
    assert all(p.startswith("/minio/") for p in proxy.paths), proxy.paths
