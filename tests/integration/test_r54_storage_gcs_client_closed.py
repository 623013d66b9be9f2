"""A GCS download answered 429 or 5xx left a socket open per attempt: google-cloud-storage 3.17
asks for the object with ``stream=True`` and raises at a status it does not expect without closing
the answer (``google/cloud/storage/_media/requests/download.py`` ``RawDownload.consume``, then
``_process_response``), so the connection never went back to the pool and the collector closed the
socket later, ``ResourceWarning: unclosed <socket.socket ... raddr=(..., port)>`` (round 54: 3 of the
5 unclosed sockets of the storage tests, in test_r45_storage_gcs_throttled.py; a pod reading
through a throttling GCS held one per retry). ``ctloop.storage.gcs_client`` now reads an error
answer whole as it arrives. The endpoint is a keep-alive HTTP/1.1 double answering every request
as GCS answers a failing backend (503 ``backendError``), not the emulator, which never fails."""

from __future__ import annotations

import gc
import json
import warnings

import pytest

from ctloop import storage
from ctloop.errors import StoreUnavailable
from tests.fixtures.servers import ProxyDouble, ProxyHandler

FAILING = json.dumps(
    {"error": {"code": 503, "message": "Backend Error", "errors": [{"reason": "backendError", "message": "Backend Error"}]}}
).encode()


class Failing(ProxyHandler):
    def intercept(self, body: bytes) -> bool:
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(FAILING)))
        self.end_headers()
        self.wfile.write(FAILING)
        return True


def test_a_failed_download_leaves_no_socket_to_the_collector(monkeypatch):
    monkeypatch.setattr(storage, "GCS_RETRY_DEADLINE_S", 0.2)  # a retry or two: each left one
    double = ProxyDouble(Failing)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", double.url)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            with pytest.raises(StoreUnavailable, match="^Google Cloud Storage answered 503 for gs://b/x.csv ") as raised:
                storage.read_bytes("gs://b/x.csv")
            del raised  # its cause holds the last answer
            gc.collect()
    finally:
        double.close()
        storage._GCS_CLIENTS.__dict__.clear()  # its client, to a double now gone: not kept for later tests
    port = double.url.rsplit(":", 1)[1]
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert not [m for m in unclosed if f"{port})" in m], unclosed  # was: 1-2 "unclosed <socket.socket ...>"
