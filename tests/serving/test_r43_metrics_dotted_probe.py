"""``python -m ctloop.serving.metric_sources probe`` when the queue-proxy's series are under the
dotted OTLP names (``NoUTF8EscapingWithSuffixes``, ``NoTranslation`` of prometheus/otlptranslator
``strategy.go``; what Knative 1.19's exporter gives a Prometheus 3 scrape, docs/serving.md).

The canary analysis reads those names, but the recording rules leave them out (Prometheus 2 refuses
a whole rule file holding one), so the alerts and the dashboard stay empty. The probe said only
``yes knative-otel``: nothing told the user that the rules see nothing. Now the line says so.

No Prometheus 3 runs here (Debian has 2.42, which cannot store a dotted name), so the server is a
double of Prometheus 3's ``/api/v1/query`` (``web/api/v1/api.go``): a ``vector`` answer, one
sample for a query that selects the dotted histogram count joined with ``target_info`` by its
``"k8s.namespace.name"``, an empty vector for any other.
"""

import http.server
import json
import threading
import urllib.parse

import pytest

from ctloop.serving import metric_sources
from tests.fixtures.servers import SHUTDOWN_POLL_S

DOTTED = '__name__="http.server.request.duration_seconds_count"'


class Prometheus3Double(http.server.BaseHTTPRequestHandler):
    """Prometheus 3 holding ``http.server.request.duration_seconds_count`` and
    ``target_info{"k8s.namespace.name"="ml", …}`` only."""

    def do_GET(self):  # noqa: N802 - http.server's name
        expr = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["query"][0]
        hit = (
            DOTTED in expr
            and 'target_info{"k8s.namespace.name"="ml"}' in expr
            and expr.startswith("count(")
        )
        result = [{"metric": {}, "value": [1700000000, "2"]}] if hit else []
        body = json.dumps(
            {"status": "success", "data": {"resultType": "vector", "result": result}}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Prometheus3Double)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_probe_says_the_rules_do_not_see_dotted_names(url, capsys):
    code = metric_sources.main(["probe", "--prometheus-url", url, "--namespace", "ml"])
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "knative-otel" in x)
    assert code == 0 and line.startswith("yes")
    assert "http.server.request.duration_seconds_count" in line
    assert "recording rules" in line and "do not" in line and "metric_name_escaping_scheme" in line


def test_the_names_found_are_the_dotted_alternate(url):
    found = metric_sources.probe_names(metric_sources.Prometheus(url), "ml")
    names = found["knative-otel"]
    assert names is not None and names.requests == "http.server.request.duration_seconds_count"
    assert not names.promql2 and found["ctloop"] is None
    assert metric_sources.probe(metric_sources.Prometheus(url), "ml")["knative-otel"] is True


def test_underscore_names_get_no_note():
    assert metric_sources.rules_blind(metric_sources.get_source("knative-otel")) == ""
    assert all(metric_sources.rules_blind(s) == "" for s in metric_sources.SOURCES.values())
