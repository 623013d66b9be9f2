"""The HTTP 502/503/504 retry of :meth:`Prometheus.query` stays within the query timeout: each
attempt is given what is left of it. A retry was given the whole ``timeout_s`` again, so a
query of ``timeout_s`` 1 s whose retry hung took 1.5 s (0.5 s pause + 1 s), one of the default
10 s about 20 s.

The double: a gateway (an ingress, Thanos Querier) answering 504 at once, then holding the
retry without an answer.
"""

import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from ctloop.errors import ServingError
from ctloop.serving.metric_sources import Prometheus, PrometheusAuth
from tests.fixtures.servers import InThreadServer


class HangingGateway(InThreadServer):
    """504 to the first request, then no answer until closed."""

    def __init__(self):
        self.seen, self.release = 0, threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                gateway.seen += 1
                if gateway.seen > 1:
                    gateway.release.wait(10)
                    return
                self.send_response(504)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(Handler)

    def close(self) -> None:
        self.release.set()
        super().close()


def test_a_retry_is_given_only_the_rest_of_the_timeout():
    with HangingGateway() as gateway:
        prom = Prometheus(gateway.root_url, timeout_s=1.0, auth=PrometheusAuth())
        started = time.monotonic()
        with pytest.raises(ServingError, match="timed out"):
            prom.query("up")
        took = time.monotonic() - started
    assert gateway.seen == 2  # asked again after the 504
    assert took < 1.25, f"a query of timeout_s 1.0 took {took:.2f} s"
