"""A Prometheus that answers HTTP 503 for a moment (an ingress or Thanos Querier in front of a
Prometheus that is restarting, as ingress-nginx answers "503 Service Temporarily Unavailable"):
the canary check raised a ServingError at the first 503, and the release rolled back a healthy
canary that had waited its whole step ("serving error during the canary"). Now a 502/503/504 is
asked again twice (0.5 s, then 1.5 s later) within the query timeout; any other refusal is final
at once.

A real Prometheus 2.42 holds the series of tests/fixtures/serving_metrics.py; in front of it a
proxy double answers ingress-nginx's 503 page to the first requests it is told to, then forwards.
"""

import threading
import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest

from ctloop.config import CanaryRules
from ctloop.errors import ServingError
from ctloop.serving import analysis
from ctloop.serving.analysis import Prometheus
from tests.fixtures import serving_metrics as sm
from tests.fixtures.prometheus import prometheus_with
from tests.fixtures.servers import InThreadServer

pytestmark = pytest.mark.slow

HEALTHY = sm.SCENARIO[1].revision
PAGE = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


class Ingress(InThreadServer):
    """Forwards to ``upstream``; answers ``status`` with nginx's page to the next :attr:`failing`
    requests."""

    def __init__(self, upstream: str):
        self.failing, self.status, self.seen = 0, 503, 0
        lock, ingress = threading.Lock(), self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                with lock:
                    ingress.seen += 1
                    fail = ingress.failing > 0
                    ingress.failing -= fail
                if fail:
                    self.send_response(ingress.status)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(PAGE)))
                    self.end_headers()
                    self.wfile.write(PAGE)
                    return
                with urllib.request.urlopen(upstream + self.path, timeout=10) as resp:
                    body = resp.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        super().__init__(Handler)


@pytest.fixture(scope="module")
def ingress(tmp_path_factory):
    with prometheus_with(sm.history_openmetrics(), tmp_path_factory.mktemp("prom")) as url:
        with Ingress(url) as proxy:
            yield proxy


def decide(ingress):
    check = analysis.make_check(
        Prometheus(ingress.root_url),
        source="ctloop",
        canary_revision=lambda: HEALTHY,
        stable_revision=lambda: sm.STABLE,
        namespace=sm.NS,
        rules=CanaryRules(),
        clock=lambda: sm.AT,
    )
    return check(5)


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_moment_of_unavailability_is_asked_again(ingress, status):
    ingress.status, ingress.failing = status, 1
    passed, reason, _ = decide(ingress)
    assert passed, reason
    assert ingress.failing == 0


def test_unavailable_throughout_is_a_serving_error(ingress):
    ingress.status, ingress.failing, ingress.seen = 503, 100, 0
    with pytest.raises(ServingError, match="HTTP 503"):
        decide(ingress)
    assert ingress.seen == 3  # asked three times, then given up
    ingress.failing = 0


def test_another_refusal_is_not_asked_again(ingress):
    ingress.status, ingress.failing, ingress.seen = 500, 1, 0
    with pytest.raises(ServingError, match="HTTP 500"):
        decide(ingress)
    assert ingress.seen == 1
