"""S3 throttling past botocore's retries read as one object's refusal (round 45, storage).

S3 answers a prefix asked too fast with 503 ``SlowDown`` ("Please reduce your request rate."; MinIO and
Ceph RGW answer the same, some gateways 429). botocore retries it (standard mode, ``ATTEMPTS``
attempts in all) and then raised it, and ctloop said "s3://b/x.csv: S3 refused the request (SlowDown:
...)", a DataSourceError of that one object: the blob import marked each object "unreadable" and went
on asking the throttled store for the next. Now it is a StoreUnavailable saying the requests were
throttled and what to lower, so callers reading many objects stop. ``Throttling`` is a proxy double in
front of the session's moto answering every GET as S3 does when throttling.

The attempts it counts showed one more: ctloop gave botocore ``max_attempts=ATTEMPTS``, which botocore
counts as retries after the first request (``botocore/config.py``; ``total_max_attempts`` counts them
all), so every S3 call made ``ATTEMPTS + 1`` attempts and said "after 3 attempts" after four."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError, StoreUnavailable
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler


class Throttling(ProxyDouble):
    """moto, except that every GET is answered ``status`` with S3's error ``code``; ``asked`` counts them."""

    def __init__(self, upstream: str, status: int, code: str, message: str) -> None:
        double = self
        self.asked = 0

        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                if self.command != "GET":
                    return False
                double.asked += 1
                self.send_xml_error(status, code, message)
                return True

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture
def root(moto_url, tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "ATTEMPTS", 2)  # one retry (a new client: the endpoint below is new)
    return fresh_bucket(Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data")


@pytest.mark.parametrize(("status", "code"), [(503, "SlowDown"), (429, "TooManyRequests")],
                         ids=["slowdown", "429"])
def test_throttling_past_the_retries_says_throttled(moto_url, root, monkeypatch, status, code):
    proxy = Throttling(moto_url, status, code, "Please reduce your request rate.")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            storage.read_bytes(f"{root}/x.csv")
    finally:
        proxy.close()
    said = str(caught.value)
    assert proxy.asked == 2  # retried once: ATTEMPTS in all (before: 3)
    assert said.startswith(f"{proxy.url} throttled the requests for {root}/x.csv: it answered {status} {code} after 2 "
                           "attempts (Please reduce your request rate.): lower the request rate")
    assert "refused" not in said


def test_another_refusal_is_still_the_objects(moto_url, root, monkeypatch):
    proxy = Throttling(moto_url, 400, "InvalidRequest", "Bad request")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        with pytest.raises(DataSourceError) as caught:
            storage.read_bytes(f"{root}/x.csv")
    finally:
        proxy.close()
    assert not isinstance(caught.value, StoreUnavailable)
    assert "S3 refused the request (InvalidRequest: Bad request)" in str(caught.value)
