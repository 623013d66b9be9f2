"""An error answer from Google Cloud Storage whose body is cut off (round 54, review of a5a3c0c8).

``storage.gcs_client`` reads every error answer (>= 400) to the end so that its connection goes back
to the pool. When that body is cut short (the connection closed before ``Content-Length`` bytes came),
the read raised ``ChunkedEncodingError`` inside the requests session, which replaced the library's
own status error: a 503 read "cannot reach Google Cloud Storage … check STORAGE_EMULATOR_HOST" (the
network) where the service had answered. ``CutShort`` is a proxy double in front of the session's GCS
emulator that answers every request ``status`` with GCS's JSON error body, announcing 1,000 bytes
more than it sends, and closes the connection."""

from __future__ import annotations

import json
import socket

import pytest

from ctloop import storage
from ctloop.errors import CtloopError, StoreUnavailable
from tests.fixtures.object_stores import Store, fresh_bucket
from tests.fixtures.servers import ProxyDouble, ProxyHandler


class CutShort(ProxyDouble):
    def __init__(self, upstream: str, status: int, message: str) -> None:
        class Handler(ProxyHandler):
            def intercept(self, body: bytes) -> bool:
                error = json.dumps({"error": {"code": status, "message": message}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(error) + 1000))
                self.end_headers()
                self.wfile.write(error)
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return True

        Handler.upstream = upstream
        super().__init__(Handler)


@pytest.fixture
def root(gcs_url, tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "GCS_RETRY_DEADLINE_S", 0.3)  # the retries, shortened
    return fresh_bucket(Store("gs", gcs_url, {"STORAGE_EMULATOR_HOST": gcs_url}), monkeypatch,
                        tmp_path / "home", "data")


def _read_cut_short(gcs_url, root, monkeypatch, status: int, message: str) -> pytest.ExceptionInfo:
    """``read_bytes`` of an object through :class:`CutShort`: what it raised (one of ours)."""
    proxy = CutShort(gcs_url, status, message)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    try:
        with pytest.raises(CtloopError) as caught:
            storage.read_bytes(f"{root}/x.csv")
    finally:
        proxy.close()
    return caught


def test_a_503_cut_short_still_says_the_service_answered(gcs_url, root, monkeypatch):
    caught = _read_cut_short(gcs_url, root, monkeypatch, 503, "Backend Error")
    said = str(caught.value)
    assert caught.type is StoreUnavailable
    assert said.startswith(f"Google Cloud Storage answered 503 for {root}/x.csv"), said
    assert "cannot reach" not in said


@pytest.mark.parametrize("status, said", [(404, "does not exist"), (403, "access denied")])
def test_a_404_or_403_cut_short_says_what_the_service_answered(gcs_url, root, monkeypatch, status, said):
    """Statuses the library does not retry read the body again after the hook: a body it could not read
    must read as empty, not as a cut connection ("cannot reach ... check STORAGE_EMULATOR_HOST")."""
    text = str(_read_cut_short(gcs_url, root, monkeypatch, status, "No such object").value)
    assert said in text and "cannot reach" not in text and "\n" not in text, text
