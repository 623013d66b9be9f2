"""A HEAD answered 503 (no body) read as one object's fault or as a failing store (round 46, storage).

* S3: a HEAD's answer carries no body, so a 503 to it cannot say whether S3 throttled the request
  (``SlowDown``, which S3 answers 503: Amazon S3 API reference, "Error responses") or failed. botocore
  retries it (standard mode: 500/502/503/504 are transient, ``botocore/retries/standard.py``
  ``TransientRetryableChecker``) and ctloop then said "the store is failing, not the network path; run
  again later" — on AWS it is far more often throttling, whose fix is a lower request rate. Now the line
  says the answer carries no reason and names both, after the retries. A GET's 503 with its
  ``SlowDown`` code is named throttling as before.
* Azure: a 503 ``ServerBusy`` (the account's or a partition's request rate; "Azure Storage scalability
  targets") or a 500 ``InternalError`` came out as "Azure refused the request (503 ServerBusy)", a
  DataSourceError of the one blob: callers reading many blobs (the blob import) went on asking the
  throttled account blob after blob. Now a StoreUnavailable saying throttled (503 ServerBusy, 429) or
  failing (other 5xx), as S3 and GCS say since round 45. Azure's HEAD answers carry the code in the
  ``x-ms-error-code`` header only.

``Answering`` is a proxy double answering every HEAD of an object with ``status`` and no body (and
``x-ms-error-code`` when given); everything else goes to the session's moto or Azurite.
"""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import StoreUnavailable
from tests.fixtures.object_stores import Store, azurite_connection_string, fresh_bucket, s3_env
from tests.fixtures.servers import ProxyDouble, ProxyHandler


class Answering(ProxyDouble):
    """Every HEAD of an object (a path with a '/' after its bucket) answered ``status``, no body;
    ``asked`` counts them."""

    def __init__(self, upstream: str, status: int, code: str = "") -> None:
        double = self
        self.asked = 0

        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                if self.command != "HEAD" or self.path.split("?")[0].strip("/").count("/") < 1:
                    return False
                double.asked += 1
                self.send_response(status)
                if code:
                    self.send_header("x-ms-error-code", code)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return True

        Handler.upstream = upstream
        super().__init__(Handler)


def test_an_s3_head_503_is_retried_then_names_throttling_or_failure(moto_url, tmp_path, monkeypatch):
    root = fresh_bucket(Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data")
    storage.write_bytes(f"{root}/x.csv", b"a\n1\n")
    proxy = Answering(moto_url, 503)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            storage.exists(f"{root}/x.csv")
    finally:
        proxy.close()
    assert proxy.asked == storage.ATTEMPTS  # retried as a transient answer, never taken for "missing"
    said = str(caught.value)
    assert said.startswith(f"{proxy.url} answered 503 with no error code for {root}/x.csv after "
                           f"{storage.ATTEMPTS} attempts (a HEAD request's answer carries no body): S3 answers so "
                           "when it throttles requests (503 SlowDown) and when it fails: ")
    assert "lower the request rate" in said and "\n" not in said


@pytest.fixture
def azure_root(azurite_url, tmp_path, monkeypatch):
    store = Store("az", azurite_url, {"AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string(azurite_url)})
    root = fresh_bucket(store, monkeypatch, tmp_path / "home", "data")
    storage.write_bytes(f"{root}/x.csv", b"a\n1\n")
    monkeypatch.setattr(storage, "ATTEMPTS", 1)  # no retries: azure-storage-blob waits seconds between them
    return root


@pytest.mark.parametrize(("status", "code", "said"), [
    (503, "ServerBusy", "throttled the requests"),
    (429, "", "throttled the requests"),
    (500, "InternalError", "is failing"),
])
def test_an_azure_5xx_is_the_store_not_the_blob(azurite_url, azure_root, monkeypatch, status, code, said):
    proxy = Answering(azurite_url, status, code)
    account = azurite_url.rsplit("/", 1)[1]
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_connection_string(f"{proxy.url}/{account}"))
    try:
        with pytest.raises(StoreUnavailable, match=rf"^Azure \(.*\) {said} .*{azure_root}/x.csv"):
            storage.exists(f"{azure_root}/x.csv")
    finally:
        proxy.close()
    assert proxy.asked == 1
