"""An answer that never ends: a prometheus_url that streams (an endless chunked body, or one
trickled a byte at a time) kept ``resp.read()`` reading for ever — the socket timeout is per
receive, not per answer — and the canary analysis hung with the canary at its share. Now the
answer is read up to a size no instant-query answer of ctloop's reaches and for at most the
query timeout: one ServingError naming the URL."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from ctloop.errors import ServingError
from ctloop.serving.metric_sources import Prometheus
from tests.fixtures.servers import InThreadServer


def _streamer(stop: threading.Event, chunk: bytes, pause: float):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                self.wfile.write(b'1\r\n[\r\n')
                while not stop.is_set():
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    if pause:
                        time.sleep(pause)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    return InThreadServer(Handler)


@pytest.mark.parametrize("chunk, pause", [(b"1," * 32768, 0.0), (b"1,", 0.2)], ids=["flood", "trickle"])
def test_an_endless_answer_is_one_serving_error(chunk, pause):
    stop = threading.Event()
    outcome: list = []

    def ask(url):
        try:
            outcome.append(Prometheus(url, timeout_s=1).scalar("sum(x)"))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever came out
            outcome.append(exc)

    with _streamer(stop, chunk, pause) as server:
        worker = threading.Thread(target=ask, args=(server.root_url,), daemon=True)
        worker.start()
        worker.join(60)
        stop.set()
        assert not worker.is_alive(), "the query still reads the endless answer after 60 s"
    (got,) = outcome
    assert isinstance(got, ServingError) and server.root_url in str(got), got
    assert "\n" not in str(got)
