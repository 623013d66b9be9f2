"""An HTTP error answer is closed once read (round 52).

``urllib`` hands a 4xx/5xx answer over as ``HTTPError``, which holds the response and its socket
(``urllib.error.HTTPError`` is an ``addinfourl``: "must be closed", CPython 3.11 Lib/urllib/error.py).
ctloop read the body and raised its own error *from* it, never closing it: the socket stayed open as
long as the error (its ``__cause__``) lived, then a garbage collection reported ``ResourceWarning:
unclosed <socket.socket [closed] ...>`` wherever it ran — 100+ such reports in one ``make test``, some
inside other tests' ``warnings.catch_warnings`` blocks; in a canary analysis, one socket per refused
query until the collector came by (``read_answer`` reads with ``read1``, which does not close the
connection at the end of a Content-Length body). The Prometheus reader is driven here against a
loopback server answering 422, and nothing is left unclosed once its error is dropped; the doctor's
and the Pushgateway push's readers of an HTTPError close it the same way."""

from __future__ import annotations

import gc
import json
import warnings
from http.server import BaseHTTPRequestHandler

from tests.fixtures.servers import InThreadServer


class Refusing(BaseHTTPRequestHandler):
    """Answers every request 422 with Prometheus' error JSON (v2.42 web/api/v1/api.go)."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server's name
        body = json.dumps({"status": "error", "errorType": "execution", "error": "no"}).encode()
        self.send_response(422)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):  # noqa: N802 - a Pushgateway refusing the push
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def log_message(self, *args):
        pass


def _unclosed_after(call) -> list[str]:
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - any refusal: what matters is what it leaves open
            del exc
        gc.collect()
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


def test_a_prometheus_refusal_leaves_no_socket_open():
    from ctloop.serving.metric_sources import Prometheus

    with InThreadServer(Refusing) as server:
        prom = Prometheus(server.root_url, timeout_s=5)
        assert _unclosed_after(lambda: prom.query("up")) == []
