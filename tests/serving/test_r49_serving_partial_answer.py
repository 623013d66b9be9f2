"""A VictoriaMetrics cluster answering the canary's queries with part of its data.

vmselect answers with whatever the vmstorage nodes that did answer hold, ``"status": "success"``
and ``"isPartial": true`` — no ``warnings`` (VictoriaMetrics cluster
``app/vmselect/prometheus/query_response.qtpl`` ``QueryResponse(isPartial, …)``, the field added in
v1.47.0, CHANGELOG; partial answers are the default, ``-search.denyPartialResponse`` off). ctloop
read only Prometheus' ``warnings`` (Thanos' partial response): the canary's 5xx series held on the
node that did not answer were 0 errors over its requests, and the canary passed. Now the check
fails naming the partial answer, as for a warning; ``"isPartial": false`` is judged as before.

The double answers as vmselect does (its JSON shape, a vector of one sample); the values are a
healthy canary's but for the 5xx query, whose series are on the missing node.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ctloop.config import CanaryRules
from ctloop.serving import analysis
from ctloop.serving.metric_sources import Prometheus
from tests.fixtures.servers import SHUTDOWN_POLL_S

AT = 1_700_001_200


@pytest.fixture(scope="module")
def vmselect():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            partial = self.path.startswith("/partial/")
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["query"][0]
            if 'outcome="error"' in query:  # the 5xx series: on the vmstorage node that is down
                value, missing = "0", partial
            else:
                value, missing = ("0.05" if "histogram_quantile" in query else "3000"), False
            body = {
                "status": "success",
                "isPartial": missing,
                "data": {"resultType": "vector", "result": [{"metric": {}, "value": [AT, value]}]},
            }
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _check(url):
    return analysis.make_check(
        Prometheus(url),
        canary_revision=lambda: "c-00002",
        stable_revision=lambda: "c-00001",
        namespace="ml",
        rules=CanaryRules(),
        source="ctloop",
        clock=lambda: AT,
    )


def test_a_partial_victoriametrics_answer_fails_the_check(vmselect):
    passed, reason, measured = _check(f"{vmselect}/partial")(5)
    assert not passed, reason
    assert (
        "may be partial: isPartial: true (VictoriaMetrics: a vmstorage node did not answer"
        in reason
    )
    assert measured["canary_error_rate"] == 0.0  # what was judged a pass before


def test_a_complete_victoriametrics_answer_is_judged(vmselect):
    passed, reason, _ = _check(f"{vmselect}/complete")(5)
    assert passed, reason
