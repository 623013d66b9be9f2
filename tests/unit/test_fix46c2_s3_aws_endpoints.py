"""AWS's own S3 endpoints, however botocore resolves them, are never probed (fix 46 C2, item 2).

``_S3.conditional_writes`` and ``conditional_completes`` write probe objects on S3-compatible stores
and skip AWS (S3 checks ``If-None-Match`` since August 2024). Fix 46 C told AWS by the host name of
``client.meta.endpoint_url`` against a list of S3 host shapes under amazonaws.com[.cn]: botocore 1.44.8
resolves ``AWS_USE_FIPS_ENDPOINT=true`` in us-east-1 to ``https://s3-fips.aws-global.amazonaws.com``, the
EU sovereign cloud to ``*.amazonaws.eu``, the ISO partitions to ``c2s.ic.gov`` / ``sc2s.sgov.gov``, and
an endpoint set by hand may be S3 Transfer Acceleration or a Multi-Region Access Point: none was
recognised, and both probes ran against real S3 (objects and incomplete uploads left where the
identity may not delete them). Now a client whose endpoint botocore resolved itself (no endpoint URL
configured: its endpoint ruleset's ``SDK::Endpoint`` builtin unset) is AWS whatever the host, and a
configured URL is matched with the DNS suffixes of botocore's own partitions (botocore
data/partitions.json). No network: a request would fail this test (``before-send`` raises)."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.storage import Location


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Nothing AWS_* from outside, no config files, dummy keys; the client cache emptied."""
    for name in [k for k in storage.os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    for name in ("_S3_CLIENTS", "_S3_CONDITIONAL", "_S3_CONDITIONAL_COMPLETE"):
        monkeypatch.setattr(storage, name, {})
    return tmp_path


def _no_request(request, **kwargs):
    raise AssertionError(f"sent {request.method} {request.url}: AWS was probed")


LOC = Location(uri="s3://bucket/data/x.bin", scheme="s3", bucket="bucket", key="data/x.bin")


@pytest.mark.parametrize(
    ("env", "config", "host"),
    [
        (
            {"AWS_DEFAULT_REGION": "us-east-1", "AWS_USE_FIPS_ENDPOINT": "true"},
            "",
            "s3-fips.aws-global.amazonaws.com",
        ),
        ({"AWS_DEFAULT_REGION": "eusc-de-east-1"}, "", "s3.eusc-de-east-1.amazonaws.eu"),
        ({"AWS_DEFAULT_REGION": "us-iso-east-1"}, "", "s3.us-iso-east-1.c2s.ic.gov"),
        ({"AWS_DEFAULT_REGION": "us-isob-east-1"}, "", "s3.us-isob-east-1.sc2s.sgov.gov"),
        (
            {"AWS_DEFAULT_REGION": "us-west-2"},
            "[default]\ns3 =\n  use_accelerate_endpoint = true\n",
            None,
        ),
    ],
    ids=["fips-us-east-1", "eusc", "iso", "iso-b", "accelerate"],
)
def test_an_endpoint_botocore_resolved_is_aws(aws_env, monkeypatch, env, config, host):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    (aws_env / "config").write_text(config)
    s3 = storage._S3()
    client = s3.client()
    if host:
        assert client.meta.endpoint_url == f"https://{host}"  # what botocore 1.44.8 resolves
    client.meta.events.register("before-send.s3", _no_request)
    assert s3.conditional_writes(LOC) is True
    assert s3.conditional_completes(LOC) is True


@pytest.mark.parametrize(
    ("url", "aws"),
    [
        ("https://s3-fips.aws-global.amazonaws.com", True),
        ("https://s3-accelerate.amazonaws.com", True),
        ("https://s3-accelerate.dualstack.amazonaws.com", True),
        ("https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com", True),
        ("https://s3.eusc-de-east-1.amazonaws.eu", True),
        ("https://s3.us-iso-east-1.c2s.ic.gov", True),
        ("https://s3.us-isob-east-1.sc2s.sgov.gov", True),
        ("https://s3.us-east-1.amazonaws.com.", True),
        ("https://s3.dualstack.us-east-1.api.aws", True),
        ("http://minio.elb.us-east-1.amazonaws.com:9000", False),
        ("https://s3.c2s.ic.gov.example.net", False),
        ("https://s3-accelerate.example.com", False),
    ],
    ids=[
        "fips-global",
        "accelerate",
        "accelerate-dualstack",
        "mrap",
        "eusc",
        "iso",
        "iso-b",
        "trailing-dot",
        "api-aws",
        "elb",
        "look-alike",
        "accelerate-look-alike",
    ],
)
def test_a_configured_aws_url_is_told_by_its_partition(url, aws):
    assert storage._aws_endpoint(url) is aws


def test_a_configured_endpoint_is_still_asked(aws_env, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    assert storage._aws_s3(storage._S3().client()) is False
