"""A throttled or failing Google Cloud Storage read as a network fault (round 45, storage).

google-cloud-storage retries 429 and 5xx answers as it retries a refused connection (its
``DEFAULT_RETRY``, bounded here by ``GCS_RETRY_DEADLINE_S``), and the error its retries end with went
through the same line: "cannot reach Google Cloud Storage for gs://b/x.csv (...) after retrying for
10 s ...: ('Request failed with status code', 429, ...); check the network path to
storage.googleapis.com (proxy, firewall, private access)" — the store had answered every request. Now
a 429 says the requests were throttled and what to lower, a 5xx that the service is failing; a
connection refused still names the network path. ``Answering`` is a proxy double in front of the
session's GCS emulator answering every request with GCS's JSON error (``rateLimitExceeded``, the body
of the JSON API's 429, cloud.google.com/storage/docs/json_api/v1/status-codes)."""

from __future__ import annotations

import json

import pytest

from ctloop import storage
from ctloop.errors import StoreUnavailable
from tests.fixtures.object_stores import Store, fresh_bucket
from tests.fixtures.servers import ProxyDouble, ProxyHandler, dead_port


class Answering(ProxyDouble):
    """Every request answered ``status`` with GCS's JSON error body; ``asked`` counts them."""

    def __init__(self, upstream: str, status: int, reason: str, message: str) -> None:
        double = self
        self.asked = 0

        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                double.asked += 1
                error = json.dumps({"error": {"code": status, "message": message,
                                              "errors": [{"reason": reason, "message": message}]}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(error)))
                self.end_headers()
                self.wfile.write(error)
                return True

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture
def root(gcs_url, tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "GCS_RETRY_DEADLINE_S", 0.6)  # the retries, shortened: what ends them is tested
    return fresh_bucket(Store("gs", gcs_url, {"STORAGE_EMULATOR_HOST": gcs_url}), monkeypatch,
                        tmp_path / "home", "data")


RATE = "The rate of change requests to the object exceeds the rate limit. Please reduce the rate of requests."


@pytest.mark.parametrize("call", ["read_bytes", "write_bytes", "list_files"])
def test_a_throttled_request_says_throttled(gcs_url, root, monkeypatch, call):
    proxy = Answering(gcs_url, 429, "rateLimitExceeded", RATE)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            if call == "write_bytes":
                storage.write_bytes(f"{root}/x.csv", b"a\n1\n")
            else:
                getattr(storage, call)(f"{root}/x.csv")
    finally:
        proxy.close()
    said = str(caught.value)
    assert proxy.asked >= 2  # retried first
    assert said.startswith(f"Google Cloud Storage throttled the requests for {root}/x.csv: it answered 429 "
                           "Too Many Requests after retrying for 0.6 s (")
    assert "lower the request rate" in said
    assert "cannot reach" not in said and "network path" not in said and "\n" not in said


def test_a_failing_service_says_failing(gcs_url, root, monkeypatch):
    proxy = Answering(gcs_url, 503, "backendError", "Backend Error")
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            storage.read_bytes(f"{root}/x.csv")
    finally:
        proxy.close()
    said = str(caught.value)
    assert said.startswith(f"Google Cloud Storage answered 503 for {root}/x.csv after retrying for 0.6 s (")
    assert "not the network path" in said and "cannot reach" not in said


def test_a_refused_connection_still_names_the_network(root, monkeypatch):
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"127.0.0.1:{dead_port()}")
    with pytest.raises(StoreUnavailable, match=r"^cannot reach Google Cloud Storage for .*check STORAGE_EMULATOR_HOST"):
        storage.read_bytes(f"{root}/x.csv")
