"""The 502/503/504 retry of :meth:`Prometheus.query` and its deadline:

* the retry checked that the pause fit in the timeout before sleeping, but a sleep returns late
  on a loaded machine: the retry was then given a negative timeout and urllib raised
  ``ValueError('Timeout value out of range')``, which no caller catches as a failed check (6 of
  48 runs of a 1 s query against a slow 503). Less than ``RETRY_FLOOR_S`` left after the pause is
  now no retry: the 503 is raised as the ServingError it was;
* a retry's body was read for at least 1 s (``read_answer``'s floor), so a trickled answer ran a
  query of timeout_s 1 s to 1.5 s, and the message named a limit it did not keep. The body is now
  read within what is left of the query's timeout, and the message names that limit;
* a ``timeout_s`` of 0 made every socket non-blocking (``[Errno 115] Operation now in progress``):
  it is refused where it is given.

The clock of the first test is a double (``time.sleep`` returning 60 ms late, deterministic); the
servers are real HTTP servers on loopback.
"""

import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from ctloop.errors import ConfigError, ServingError
from ctloop.serving import metric_sources
from ctloop.serving.metric_sources import Prometheus, PrometheusAuth
from tests.fixtures.servers import InThreadServer

BODY = b'{"status":"success","data":{"resultType":"vector","result":[]}}' + b" " * 200


class Gateway(InThreadServer):
    """503 to the first ``unavailable`` requests, then an empty instant vector trickled 4 bytes
    every 20 ms (1.3 s in all)."""

    def __init__(self, unavailable: int = 1):
        self.seen, self.stop = 0, threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self):  # noqa: N802 - http.server's name
                gateway.seen += 1
                if gateway.seen <= unavailable:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                for i in range(0, len(BODY), 4):
                    if gateway.stop.is_set():
                        return
                    self.wfile.write(BODY[i : i + 4])
                    self.wfile.flush()
                    time.sleep(0.02)

            def log_message(self, *args):
                pass

        super().__init__(Handler)

    def close(self) -> None:
        self.stop.set()
        super().close()


class LateClock:
    """``time`` for metric_sources: monotonic() moves only when sleep() is called, and sleep()
    returns ``late`` seconds after it was asked to (a loaded machine)."""

    def __init__(self, late: float):
        self.now, self.late = 1000.0, late

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds + self.late


def test_a_late_sleep_gives_the_503_not_a_negative_timeout(monkeypatch):
    clock = LateClock(late=0.06)
    monkeypatch.setattr(metric_sources, "time", clock)
    given = []
    real = Prometheus._query

    def attempt(self, expr, at=None, timeout_s=None, *parse):
        given.append(timeout_s)
        return real(self, expr, at, timeout_s, *parse)

    monkeypatch.setattr(Prometheus, "_query", attempt)
    with Gateway(unavailable=5) as gateway:
        # 0.55 s: the 0.5 s pause fits before sleeping; the late sleep leaves -0.01 s
        prom = Prometheus(gateway.root_url, timeout_s=0.55, auth=PrometheusAuth())
        with pytest.raises(ServingError, match=r"HTTP 503"):
            prom.query("up")
        # 0.65 s: 0.09 s left after the late sleep, under RETRY_FLOOR_S: no retry either
        prom = Prometheus(gateway.root_url, timeout_s=0.65, auth=PrometheusAuth())
        with pytest.raises(ServingError, match=r"HTTP 503"):
            prom.query("up")
    assert all(t >= metric_sources.RETRY_FLOOR_S for t in given), given
    assert gateway.seen == 2  # one attempt each


def test_a_retried_body_is_read_within_the_querys_timeout(monkeypatch):
    monkeypatch.setattr(metric_sources, "UNAVAILABLE_RETRIES", (0.05,))
    with Gateway(unavailable=1) as gateway:
        prom = Prometheus(gateway.root_url, timeout_s=0.5, auth=PrometheusAuth())
        started = time.monotonic()
        with pytest.raises(
            ServingError, match=r"an answer still arriving after 0\.[34] s"
        ) as caught:
            prom.query("up")
        took = time.monotonic() - started
    assert gateway.seen == 2
    # the socket's per-receive timeout is not what ends it: 20 ms pieces; 1.05 s with the floor
    assert took < 0.8, f"a query of timeout_s 0.5 took {took:.2f} s: {caught.value}"


@pytest.mark.parametrize("timeout_s", [0, -1, float("nan"), float("inf"), True, "10"])
def test_a_timeout_that_is_no_positive_number_is_refused(timeout_s):
    with pytest.raises(
        ConfigError, match=r"Prometheus timeout_s .*: give a positive number of seconds"
    ):
        Prometheus("http://127.0.0.1:9", timeout_s=timeout_s, auth=PrometheusAuth())
