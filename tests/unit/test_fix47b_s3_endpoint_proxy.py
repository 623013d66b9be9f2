"""The S3 endpoint and proxy pyarrow is given, as botocore 1.44.8 reads them (fix 47 B).

1. ``AWS_DATA_PATH`` holding an ``endpoints.json`` (a copy of botocore's own, as a pinned or patched
   data directory is): botocore then puts its legacy endpoint for the client's region into the
   ``SDK::Endpoint`` builtin of its endpoint rules (botocore/args.py
   ``compute_endpoint_resolver_builtin_defaults``). Round 47 read that builtin as "an endpoint URL was
   configured", so a plain AWS setup pinned pyarrow to ``s3.<client region>.amazonaws.com``,
   path-style, for a bucket of any region. Now the configured endpoint is read as botocore reads it
   when it makes the client (``ConfiguredEndpointProvider``, ``ignore_configured_endpoint_urls``).
2. ``HTTPS_PROXY=//proxy.example:3128``: botocore's ``ProxyConfiguration._fix_proxy_url``
   (botocore/httpsession.py) prefixes ``http:``; pyarrow was given ``http:////proxy.example:3128``,
   no proxy. A proxy URL whose port is no number got ``:80`` appended and pyarrow's error (and
   boto3's, urllib3's "Failed to parse") quoted it whole, password included.

Where pyarrow connects is observed through the round's ``ConnectRecorder`` proxy double (loopback,
answers 502: nothing leaves the machine)."""

from __future__ import annotations

import os
import shutil

import pytest

from ctloop import storage
from tests.unit.test_r47_storage_s3_arrow_endpoints import _arrow_target


@pytest.fixture
def aws_env(tmp_path, monkeypatch):
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(storage, "_S3_BUCKET_REGIONS", {})
    return tmp_path


@pytest.fixture
def data_path(aws_env, monkeypatch):
    """``AWS_DATA_PATH`` holding a copy of botocore's own ``endpoints.json``."""
    import botocore

    data = aws_env / "aws-data"
    data.mkdir()
    shutil.copy(
        os.path.join(os.path.dirname(botocore.__file__), "data", "endpoints.json"),
        data / "endpoints.json",
    )
    monkeypatch.setenv("AWS_DATA_PATH", str(data))
    return aws_env


def test_a_data_path_is_no_custom_endpoint(data_path):
    assert storage._s3_endpoint_configured() is False
    # s3.us-east-1.amazonaws.com:443 (path-style, the client's region) before
    assert _arrow_target("some-bucket", "us-west-2") == "some-bucket.s3.us-west-2.amazonaws.com:443"


def test_an_endpoint_with_a_data_path_is_still_one(data_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://minio.example:9000")
    assert storage._s3_endpoint_configured() is True
    (data_path / "config").write_text("[default]\nendpoint_url = http://minio.example:9000\n")
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    assert storage._s3_endpoint_configured() is True


def test_ignore_configured_endpoint_urls_is_honoured(aws_env, monkeypatch):
    (aws_env / "config").write_text("[default]\nendpoint_url = http://minio.example:9000\n")
    assert storage._s3_endpoint_configured() is True
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    assert storage._s3_endpoint_configured() is False


def _proxy_of_pyarrow(monkeypatch, proxy: str) -> dict:
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    s3 = storage._S3()
    storage._S3_BUCKET_REGIONS[(s3.client().meta.endpoint_url, "some-bucket")] = "us-west-2"
    fs, _ = s3.arrow(storage.parse("s3://some-bucket/data/x.parquet"))
    return fs.__reduce__()[1][0]["proxy_options"]


def test_a_scheme_relative_proxy_is_http_as_botocore_reads_it(aws_env, monkeypatch):
    held = _proxy_of_pyarrow(monkeypatch, "//proxy.example:3128")
    # no proxy before (pyarrow was given http:////proxy.example:3128)
    assert (held["scheme"], held["host"], held["port"]) == ("http", "proxy.example", 3128)


def test_a_proxy_url_with_no_port_number_is_named_without_its_password(aws_env, monkeypatch):
    with pytest.raises(storage.ConfigError) as told:
        _proxy_of_pyarrow(monkeypatch, "http://user:s3cret@proxy.example:31x8")
    message = str(told.value)
    assert "\n" not in message and "s3cret" not in message
    assert "HTTPS_PROXY" in message and "proxy.example:31x8" in message and ":80" not in message


def test_boto3s_error_of_that_proxy_names_no_password(aws_env, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://user:s3cret@proxy.example:31x8")
    with pytest.raises(storage.CtloopError) as told:
        # urllib3: "Failed to parse: http://user:s3cret@proxy.example:31x8", quoted whole before
        storage.read_bytes("s3://some-bucket/data/x.csv")
    message = str(told.value)
    assert "s3cret" not in message and "user:***@proxy.example:31x8" in message
