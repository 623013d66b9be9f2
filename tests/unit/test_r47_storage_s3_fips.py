"""FIPS, dual-stack and accelerated S3 endpoints for pyarrow's S3FileSystem (round 47).

botocore 1.44.8 honours ``AWS_USE_FIPS_ENDPOINT`` and ``AWS_USE_DUALSTACK_ENDPOINT`` (and
``use_fips_endpoint``/``use_dualstack_endpoint`` in the AWS config file): its client goes to
``s3-fips.<region>.amazonaws.com``. pyarrow 25.0.1's ``S3FileSystem`` (the AWS SDK for C++) reads
neither: ctloop's reads and writes through boto3 went to the FIPS endpoint, every dataset scan and
Parquet write through pyarrow to ``s3.<region>.amazonaws.com``, outside the boundary asked for. Now
pyarrow is given the host botocore resolves for the bucket's region.

Where pyarrow goes is observed, not assumed: the file system ctloop builds is rebuilt with a proxy
(``proxy_options``) that records the ``CONNECT host:443`` line libcurl sends and answers 502, so no
request leaves the machine."""

from __future__ import annotations

import socket
import threading

import pytest

from ctloop import storage


@pytest.fixture
def aws_env(tmp_path, monkeypatch):
    for name in [k for k in __import__("os").environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setattr(storage, "_S3_BUCKET_REGIONS", {})
    return tmp_path


def _connect_target(fs) -> str:
    """The host:port pyarrow's file system ``fs`` connects to for one HeadObject."""
    import pyarrow.fs

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    seen: list[bytes] = []

    def serve() -> None:
        conn, _ = server.accept()
        seen.append(conn.recv(4096).split(b"\r\n")[0])
        conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    kwargs = dict(fs.__reduce__()[1][0])
    kwargs.update(
        proxy_options=f"http://127.0.0.1:{server.getsockname()[1]}",
        connect_timeout=5,
        retry_strategy=pyarrow.fs.AwsStandardS3RetryStrategy(max_attempts=1),
    )
    try:
        with pytest.raises(OSError):
            pyarrow.fs.S3FileSystem(**kwargs).get_file_info("some-bucket/data/x.parquet")
    finally:
        thread.join(10)
        server.close()
    return seen[0].decode().split()[1]


def _arrow_target(bucket: str, region: str) -> str:
    s3 = storage._S3()
    storage._S3_BUCKET_REGIONS[(s3.client().meta.endpoint_url, bucket)] = (
        region  # no HEAD to AWS from a test
    )
    fs, path = s3.arrow(storage.parse(f"s3://{bucket}/data/x.parquet"))
    assert path == f"{bucket}/data/x.parquet"
    return _connect_target(fs)


@pytest.mark.parametrize(
    ("variables", "host"),
    [
        ({"AWS_USE_FIPS_ENDPOINT": "true"}, "s3-fips.us-west-2.amazonaws.com"),
        ({"AWS_USE_DUALSTACK_ENDPOINT": "true"}, "s3.dualstack.us-west-2.amazonaws.com"),
        (
            {"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
            "s3-fips.dualstack.us-west-2.amazonaws.com",
        ),
    ],
    ids=["fips", "dualstack", "both"],
)
def test_pyarrow_goes_where_boto3_goes(aws_env, monkeypatch, variables, host):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    import boto3

    assert (
        boto3.session.Session().client("s3", region_name="us-west-2").meta.endpoint_url
        == f"https://{host}"
    )
    # the bucket in another region than the client's: that region's FIPS host, as botocore's redirect
    assert _arrow_target("some-bucket", "us-west-2") == f"some-bucket.{host}:443"


def test_fips_from_the_config_file(aws_env, monkeypatch):
    (aws_env / "config").write_text("[default]\nuse_fips_endpoint = true\n")
    assert (
        _arrow_target("some-bucket", "us-east-1")
        == "some-bucket.s3-fips.us-east-1.amazonaws.com:443"
    )


def test_transfer_acceleration_from_the_config_file(aws_env):
    (aws_env / "config").write_text("[default]\ns3 =\n  use_accelerate_endpoint = true\n")
    assert (
        _arrow_target("some-bucket", "us-west-2") == "some-bucket.s3-accelerate.amazonaws.com:443"
    )


def test_bucket_with_a_dot_is_addressed_by_path(aws_env, monkeypatch):
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "true")
    assert _arrow_target("logs.example", "us-east-1") == "s3-fips.us-east-1.amazonaws.com:443"


def test_standard_endpoint_unchanged(aws_env):
    assert _arrow_target("some-bucket", "us-west-2") == "some-bucket.s3.us-west-2.amazonaws.com:443"
