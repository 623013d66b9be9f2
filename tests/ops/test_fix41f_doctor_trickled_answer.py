"""``ctloop doctor`` read the Pushgateway's status, a Pushgateway error page and MLflow's answers
with ``read(n)``: capped in size, not in time. ``--timeout`` bounds each receive of the socket,
not the answer, and ``http.client``'s ``read(n)`` waits for n bytes (or the end), so a server
trickling its body (a byte every 0.2 s, a proxy streaming) kept doctor waiting for hours. Now
each answer is read through the session's bounded reader (``read_answer``): past ``--timeout``
the line fails, saying so."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from ctloop.ops.doctor import FAIL, Doctor, DoctorOptions, _http_get
from tests.fixtures.servers import InThreadServer

TIMEOUT = 1.0


def _trickler(code: int):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(500):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    return InThreadServer(Handler)


def _within(fn, seconds: float):
    out: dict = {}

    def run():
        try:
            out["result"] = fn()
        except Exception as exc:  # noqa: BLE001 - raised again in the test's thread
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    start = time.monotonic()
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still reading after {time.monotonic() - start:.0f} s (--timeout {TIMEOUT:g})"
    if "error" in out:
        raise out["error"]
    return out["result"]


@pytest.fixture(autouse=True)
def _no_gateway_env(monkeypatch):
    for suffix in ("TOKEN", "TOKEN_FILE", "USERNAME", "PASSWORD", "CA_FILE"):
        monkeypatch.delenv(f"PUSHGATEWAY_{suffix}", raising=False)


@pytest.mark.parametrize("code", [200, 500])
def test_a_trickled_pushgateway_answer_fails_the_line_in_time(code):
    with _trickler(code) as server:
        doctor = Doctor(DoctorOptions(pushgateway_url=server.root_url, timeout=TIMEOUT), kube=None)
        (check,) = _within(lambda: doctor._timed("Pushgateway", doctor.check_pushgateway), 10)
    assert check.status == FAIL, check
    if code == 200:
        assert "still arriving" in check.detail, check


@pytest.mark.parametrize("code", [200, 404])
def test_a_trickled_http_answer_is_read_in_time(code):
    with _trickler(code) as server:
        with pytest.raises(TimeoutError, match="still arriving"):
            _within(lambda: _http_get(server.root_url + "/health", {}, TIMEOUT), 10)
