"""FIPS, dual-stack and accelerated S3 endpoints for pyarrow's S3FileSystem (round 47).

botocore 1.44.8 honours ``AWS_USE_FIPS_ENDPOINT`` and ``AWS_USE_DUALSTACK_ENDPOINT`` (and
``use_fips_endpoint``/``use_dualstack_endpoint`` in the AWS config file): its client goes to
``s3-fips.<region>.amazonaws.com``. pyarrow 25.0.1's ``S3FileSystem`` (the AWS SDK for C++) reads
neither: ctloop's reads and writes through boto3 went to the FIPS endpoint, every dataset scan and
Parquet write through pyarrow to ``s3.<region>.amazonaws.com``, outside the boundary asked for. Now
pyarrow is given the host botocore resolves for the bucket's region.

The proxy of ``HTTPS_PROXY`` (``HTTP_PROXY`` for an http endpoint), which botocore (``get_environ_proxies``,
``NO_PROXY`` honoured) sends S3 requests through: pyarrow's AWS SDK for C++ reads no proxy variable,
so in a cluster whose egress goes through a proxy boto3 read and wrote S3, and every dataset scan
failed (``Could not resolve host``, or a timeout). Now pyarrow is given the proxy botocore uses for
the endpoint (``proxy_options``), none where ``NO_PROXY`` bypasses it.

Where pyarrow goes is observed, not assumed: a proxy double records the ``CONNECT host:443`` line
libcurl sends and answers 502, so no request leaves the machine; for the endpoint tests the file
system ctloop builds is rebuilt with it as ``proxy_options``."""

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
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(storage, "_S3_BUCKET_REGIONS", {})
    return tmp_path


class ConnectRecorder:
    """A forward proxy double on loopback: records the request line of each connection (``CONNECT
    host:443`` for HTTPS) and answers 502, so no request leaves the machine."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.seen: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                self.seen.append(conn.recv(4096).split(b"\r\n")[0].decode())
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")

    def close(self) -> None:
        self.server.close()


def _connect_target(fs) -> str:
    """The host:port pyarrow's file system ``fs`` connects to for one HeadObject."""
    import pyarrow.fs

    proxy = ConnectRecorder()
    kwargs = dict(fs.__reduce__()[1][0])
    kwargs.update(
        proxy_options=proxy.url,
        connect_timeout=5,
        retry_strategy=pyarrow.fs.AwsStandardS3RetryStrategy(max_attempts=1),
    )
    try:
        with pytest.raises(OSError):
            pyarrow.fs.S3FileSystem(**kwargs).get_file_info("some-bucket/data/x.parquet")
    finally:
        proxy.close()
    return proxy.seen[0].split()[1]


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


def test_https_proxy_is_the_one_boto3_uses(aws_env, monkeypatch):
    import pyarrow.fs

    proxy = ConnectRecorder()
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    try:
        s3 = storage._S3()
        storage._S3_BUCKET_REGIONS[(s3.client().meta.endpoint_url, "some-bucket")] = "us-west-2"
        fs, path = s3.arrow(storage.parse("s3://some-bucket/data/x.parquet"))
        kwargs = dict(
            fs.__reduce__()[1][0],
            retry_strategy=pyarrow.fs.AwsStandardS3RetryStrategy(max_attempts=1),
        )
        with pytest.raises(OSError):
            pyarrow.fs.S3FileSystem(**kwargs).get_file_info(path)  # "Could not resolve host" before
        assert proxy.seen == ["CONNECT some-bucket.s3.us-west-2.amazonaws.com:443 HTTP/1.1"]
    finally:
        proxy.close()


def test_no_proxy_bypasses_it_for_pyarrow_too(aws_env, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", ".amazonaws.com")
    s3 = storage._S3()
    storage._S3_BUCKET_REGIONS[(s3.client().meta.endpoint_url, "some-bucket")] = "us-west-2"
    fs, _ = s3.arrow(storage.parse("s3://some-bucket/data/x.parquet"))
    assert fs.__reduce__()[1][0]["proxy_options"]["host"] == ""


def test_a_proxy_without_scheme_or_port_is_read_as_botocore_reads_it(aws_env, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example")
    s3 = storage._S3()
    storage._S3_BUCKET_REGIONS[(s3.client().meta.endpoint_url, "some-bucket")] = "us-west-2"
    fs, _ = s3.arrow(storage.parse("s3://some-bucket/data/x.parquet"))
    held = fs.__reduce__()[1][0]["proxy_options"]
    assert (held["scheme"], held["host"], held["port"]) == ("http", "proxy.example", 80)
