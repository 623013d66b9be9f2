"""``AWS_REGION`` alone was not read (round 46, storage).

docs/storage.md said the S3 region comes from ``AWS_DEFAULT_REGION`` / ``AWS_REGION`` / the profile, but
botocore reads only ``AWS_DEFAULT_REGION`` and the profile (botocore 1.44.8 ``configprovider.py``: the
``region`` variable's environment name); ``AWS_REGION`` is what the other AWS SDKs, the AWS CLI v2 and
KServe's S3 credentials (``serving.kserve.io/s3-region`` becomes ``AWS_REGION`` in the storage
initializer's environment) set. With only it set, every request was signed for us-east-1: a MinIO or
Ceph store configured with its own region refuses that signature, and the dataset scans of a store that
names no region were built for us-east-1. Now ``AWS_REGION`` is read when ``AWS_DEFAULT_REGION`` is not
set, in that order, as documented. ``Signed`` is a proxy double in front of the session's moto recording
the region of each request's SigV4 credential scope."""

from __future__ import annotations

import re

import pytest

from ctloop import storage
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler


class Signed(ProxyDouble):
    def __init__(self, upstream: str) -> None:
        double = self
        self.regions: list[str] = []

        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                scope = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/s3/", self.headers.get("Authorization", ""))
                double.regions.append(scope.group(1) if scope else "")
                return False

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.mark.parametrize(("default", "region", "signed"), [
    (None, "eu-central-1", "eu-central-1"),
    ("us-west-2", "eu-central-1", "us-west-2"),  # AWS_DEFAULT_REGION first, as documented
])
def test_aws_region_signs_the_requests(moto_url, tmp_path, monkeypatch, default, region, signed):
    root = fresh_bucket(Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data")
    storage.write_bytes(f"{root}/x.csv", b"a\n1\n")
    proxy = Signed(moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    monkeypatch.setenv("AWS_REGION", region)
    if default is None:
        monkeypatch.delenv("AWS_DEFAULT_REGION")
    else:
        monkeypatch.setenv("AWS_DEFAULT_REGION", default)
    try:
        assert storage.read_bytes(f"{root}/x.csv") == b"a\n1\n"
    finally:
        proxy.close()
    assert proxy.regions and set(proxy.regions) == {signed}
