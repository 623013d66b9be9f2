"""A push answered with a body that never ends (a pushgateway_url that streams, or trickles a
byte at a time) kept ``push_window`` reading for ever — the socket timeout bounds each receive,
not the answer — and the monitoring run hung after judging its window. Now the answer is read
for at most the push timeout: a warning, as every failed push is."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from ctloop.monitoring.prometheus import push_window
from tests.fixtures.servers import InThreadServer
from tests.monitoring.test_monitoring_metrics import window


def _streamer(stop: threading.Event, code: int, pause: float):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_PUT(self):  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                while not stop.is_set():
                    self.wfile.write(b"2\r\nx\n\r\n")
                    time.sleep(pause)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    return InThreadServer(Handler)


@pytest.mark.parametrize("code, said", [(200, "no Pushgateway answer (an answer still arriving after 1 s)"),
                                        (500, "HTTP 500 Internal Server Error")])
def test_an_endless_push_answer_is_a_warning(code, said):
    stop = threading.Event()
    outcome: list = []

    def push(url):
        try:
            outcome.append(push_window(url, model="credit", window=window(0), timeout_s=1))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever came out
            outcome.append(exc)

    with _streamer(stop, code, 0.2) as server:
        worker = threading.Thread(target=push, args=(server.root_url,), daemon=True)
        worker.start()
        worker.join(60)
        stop.set()
        assert not worker.is_alive(), "the push still reads the endless answer after 60 s"
    (got,) = outcome
    assert isinstance(got, str) and "not pushed" in got and said in got, got
