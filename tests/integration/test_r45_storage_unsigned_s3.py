"""A public S3 bucket could not be read without credentials (round 45, storage).

Public data sets (the AWS Open Data registry, a team's public bucket) are read with unsigned requests:
``aws s3 --no-sign-request``, botocore's ``Config(signature_version=UNSIGNED)``, pyarrow's
``S3FileSystem(anonymous=True)``. ctloop had no way to ask for them: with no credentials in the
environment every read stopped with "no AWS credentials". Now ``AWS_NO_SIGN_REQUEST=YES`` (GDAL's
variable, read by PDAL and Open Data Cube too) sends every request unsigned, through boto3 and the
dataset scans alike; a bucket that is not public says so and names the variable; a value that is
neither YES nor NO is one line naming it.

moto serves an unsigned request only what a public-read ACL opens (a private object: 403); ``Public``
is a proxy double in front of it recording whether each request was signed."""

from __future__ import annotations

import io

import pytest

from ctloop import storage
from ctloop.errors import ConfigError, DataSourceError
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import HOP_HEADERS, ProxyDouble, ProxyHandler


class Public(ProxyDouble):
    """moto; ``signed`` lists whether each request carried an Authorization header."""

    def __init__(self, upstream: str) -> None:
        double = self
        self.signed: list[bool] = []

        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                signed = "Authorization" in self.headers or "X-Amz-Signature" in self.path
                double.signed.append(signed)
                return False

            def relay_answer(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
                if self.command != "HEAD":
                    return super().relay_answer(status, headers, data)
                self.send_response(status)  # a HEAD's Content-Length is the object's size: kept
                for name, value in headers:
                    if name.lower() not in HOP_HEADERS - {"content-length"}:
                        self.send_header(name, value)
                self.end_headers()

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture
def public(moto_url, tmp_path, monkeypatch):
    """``data/part-0.parquet`` in a fresh bucket (``public`` makes both public-read), then an environment
    with no AWS credentials at all, reaching moto through ``Public``."""
    import boto3
    import pandas as pd

    root = fresh_bucket(Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data")
    buffer = io.BytesIO()
    pd.DataFrame({"a": [1, 2]}).to_parquet(buffer, index=False)
    storage.write_bytes(f"{root}/part-0.parquet", buffer.getvalue())
    loc = storage.parse(root)
    client = boto3.client("s3")

    def publish() -> None:
        client.put_bucket_acl(Bucket=loc.bucket, ACL="public-read")
        client.put_object_acl(Bucket=loc.bucket, Key=f"{loc.key}/part-0.parquet", ACL="public-read")

    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    proxy = Public(moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        yield root, proxy, publish
    finally:
        proxy.close()


@pytest.mark.parametrize("value", ["YES", "1"])
def test_a_public_bucket_is_read_unsigned(public, monkeypatch, value):
    import pyarrow.dataset as ds

    root, proxy, publish = public
    publish()
    monkeypatch.setenv("AWS_NO_SIGN_REQUEST", value)
    assert storage.list_files(root) == [f"{root}/part-0.parquet"]
    assert storage.read_table(f"{root}/part-0.parquet").a.tolist() == [1, 2]
    fs, path = storage.filesystem(root)
    assert ds.dataset(path, filesystem=fs, format="parquet").to_table().column("a").to_pylist() == [1, 2]
    assert proxy.signed and not any(proxy.signed)


def test_without_the_variable_no_credentials_is_still_the_error(public):
    root, proxy, publish = public
    publish()
    with pytest.raises(ConfigError, match="^no AWS credentials to access"):
        storage.read_bytes(f"{root}/part-0.parquet")
    with pytest.raises(ConfigError, match="^no AWS credentials to access"):
        storage.filesystem(root)


def test_a_bucket_that_is_not_public_says_so(public, monkeypatch):
    root, proxy, _ = public  # private: moto refuses an unsigned request, 403
    monkeypatch.setenv("AWS_NO_SIGN_REQUEST", "YES")
    with pytest.raises(DataSourceError) as caught:
        storage.read_bytes(f"{root}/part-0.parquet")
    said = str(caught.value)
    assert said.startswith(f"access denied to {root}/part-0.parquet (403): AWS_NO_SIGN_REQUEST=YES sends "
                           "unsigned requests, which only a public bucket (or object) takes")
    assert "\n" not in said


def test_a_value_neither_yes_nor_no_is_refused(public, monkeypatch):
    root, _, _ = public
    monkeypatch.setenv("AWS_NO_SIGN_REQUEST", "maybe")
    with pytest.raises(ConfigError, match=r"^AWS_NO_SIGN_REQUEST 'maybe' is neither YES nor NO"):
        storage.read_bytes(f"{root}/part-0.parquet")
