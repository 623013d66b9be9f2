"""The Prometheus client on answers that are not Prometheus' instant-query JSON (a proxy, a
login page, a PromQL look-alike) and on bad URLs: one ServingError/ConfigError line naming the
URL, never a traceback — the analysis decides rollback only on a ServingError.

The response shapes are those of the Prometheus HTTP API (prometheus v2.42 ``web/api/v1/api.go``:
``{"status", "data": {"resultType", "result"}}``, vector items ``{"metric", "value": [t, "v"]}``).
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ctloop.config import CanaryRules
from ctloop.errors import ConfigError, ServingError
from ctloop.serving import analysis
from ctloop.serving.metric_sources import Prometheus
from tests.fixtures.servers import SHUTDOWN_POLL_S

AT = 1_700_001_200
NS = "ml"


def _vector(value) -> dict:
    return {"status": "success", "data": {"resultType": "vector",
                                          "result": [{"metric": {}, "value": [AT, value]}]}}


ANSWERS = {  # path -> (HTTP status, content type, body)
    "matrix": (200, "application/json", {"status": "success", "data": {
        "resultType": "matrix", "result": [{"metric": {}, "values": [[AT, "1"]]}]}}),
    "no-data": (200, "application/json", {"status": "success"}),
    "a-list": (200, "application/json", []),
    "not-a-number": (200, "application/json", _vector("lots")),
    "value-cut": (200, "application/json", {"status": "success", "data": {
        "resultType": "vector", "result": [{"metric": {}, "value": [AT]}]}}),
    "forbidden-json-string": (403, "application/json", "forbidden"),
    "unauthorized": (401, "text/plain", "Unauthorized"),
    "login-page": (200, "text/html", "<html><body>Sign in</body></html>"),
}


@pytest.fixture(scope="module")
def proxy():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            if self.path.startswith(("/partial/", "/info/")):  # Thanos' partial response: success + warnings
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["query"][0]
                value = "0" if 'outcome="error"' in query else "0.05" if "histogram_quantile" in query else "3000"
                said = (["No StoreAPIs matched for this query: store\n10.0.0.7:10901 is down"]
                        if self.path.startswith("/partial/") else
                        # Prometheus 2.45-2.51 put PromQL's info annotations among the warnings
                        # (promql/annotations/annotations.go, PromQLInfo); 2.52 moved them to "infos"
                        ['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/'
                         '_bucket: "revision_request_count" (1:6)'])
                ANSWERS[self.path.split("/")[1]] = (200, "application/json", {**_vector(value), "warnings": said})
            code, ctype, body = ANSWERS[self.path.split("/")[1]]
            data = (body if isinstance(body, str) and ctype != "application/json"
                    else json.dumps(body)).encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            if code == 401:
                self.send_header("WWW-Authenticate", 'Bearer realm="prometheus"')
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


@pytest.mark.parametrize("path", ANSWERS)
def test_an_answer_that_is_no_instant_vector_is_one_serving_error(proxy, path):
    """Before: KeyError/TypeError/AttributeError/ValueError tracebacks escaped the analysis,
    which decides rollback only on a ServingError: the canary was left at its share, undecided."""
    with pytest.raises(ServingError) as err:
        Prometheus(f"{proxy}/{path}").scalar("sum(x)")
    message = str(err.value)
    assert "\n" not in message and proxy in message, message


def test_401_and_403_say_no_credentials_were_sent(proxy):
    for path in ("unauthorized", "forbidden-json-string"):
        with pytest.raises(ServingError, match="ctloop sends no credentials"):
            Prometheus(f"{proxy}/{path}").scalar("sum(x)")


@pytest.mark.parametrize("url", ["http://prometheus:abc", "http://prom etheus:9090", "http://[::1",
                                 "http://", "https://:9090"])
def test_a_malformed_url_is_a_config_error_naming_it(url):
    with pytest.raises(ConfigError) as err:
        Prometheus(url)
    assert repr(url) in str(err.value)


def test_the_analysis_decides_rollback_on_a_proxy_answer(proxy):
    """The decision on hostile data is the safe one: a check that raises ServingError is a
    failed walk (release.analyze: rollback), never a crash of the component."""
    check = analysis.make_check(Prometheus(f"{proxy}/matrix"), canary_revision=lambda: "c-00002",
                                stable_revision=lambda: "c-00001", namespace=NS, rules=CanaryRules(),
                                source="ctloop", clock=lambda: AT)
    with pytest.raises(ServingError):
        check(5)


def test_a_partial_answer_fails_the_check_instead_of_judging_partial_data(proxy):
    """Prometheus' HTTP API reports data it could not fully get in ``warnings`` beside a
    success (a failed remote-read store; Thanos Querier's partial response, on by default): the
    canary's 5xx series may be on the store that did not answer. Before: 0 % errors over 3000
    requests, a pass. Now a failed check naming the warning."""
    check = analysis.make_check(Prometheus(f"{proxy}/partial"), canary_revision=lambda: "c-00002",
                                stable_revision=lambda: "c-00001", namespace=NS, rules=CanaryRules(),
                                source="ctloop", clock=lambda: AT)
    passed, reason, measured = check(5)
    assert not passed, reason
    assert "may be partial: No StoreAPIs matched for this query: store 10.0.0.7:10901 is down" in reason, reason
    assert measured["canary_requests"] == 3000


def test_an_info_annotation_among_the_warnings_does_not_fail_the_check(proxy):
    """An info annotation says nothing about missing data (Prometheus 2.45-2.51 sent them as
    warnings): the check judges the answer."""
    check = analysis.make_check(Prometheus(f"{proxy}/info"), canary_revision=lambda: "c-00002",
                                stable_revision=lambda: "c-00001", namespace=NS, rules=CanaryRules(),
                                source="ctloop", clock=lambda: AT)
    passed, reason, _ = check(5)
    assert passed, reason
