"""``ctloop doctor``'s metrics line when the queue-proxy's series are stored under the dotted OTLP
names (``NoUTF8EscapingWithSuffixes`` of prometheus/otlptranslator ``strategy.go``: what Knative
1.21's exporter gives a Prometheus 3 scrape that keeps UTF-8 names, docs/serving.md).

The canary analysis reads those names, the recording rules leave them out (Prometheus 2 refuses a
whole rule file holding one), so the alerts and the dashboard of manifests/components/monitoring
stay empty. ``python -m ctloop.serving.metric_sources probe`` said so (round 43); doctor's line
was a bare ``ok … series for revision …``. Now it is a warning with the same note and fix.

No Prometheus 3 runs here (Debian has 2.42, which cannot store a dotted name): the server is a
double of Prometheus 3's ``/api/v1/query`` (``web/api/v1/api.go`` at v3.0.0: a ``vector``
answer), one sample for a ``count(...)`` presence query of the dotted histogram count, an empty
vector for any other (the underscore names have no series).
"""

import http.server
import json
import threading
import urllib.parse

import pytest

from ctloop.ops.doctor import OK, WARN, Doctor, DoctorOptions, Target
from tests.fixtures.servers import SHUTDOWN_POLL_S

DOTTED = '__name__="http.server.request.duration_seconds_count"'
REVISION = "credit-default-predictor-00001"


class Prometheus3Double(http.server.BaseHTTPRequestHandler):
    """Prometheus 3 holding ``http.server.request.duration_seconds_count`` (and, with
    ``underscores``, the underscore names too) for every revision of namespace ``ml``."""

    underscores = False

    def do_GET(self):  # noqa: N802 - http.server's name
        expr = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["query"][0]
        named = DOTTED in expr or (
            self.underscores
            and "http_server_request_duration_seconds_count[" in expr
            and "kn_revision_name" in expr
        )
        hit = named and expr.startswith("count(") and "ml" in expr
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


class UnderscoreDouble(Prometheus3Double):
    underscores = True


@pytest.fixture(params=[Prometheus3Double, UnderscoreDouble], ids=["dotted", "underscores"])
def url(request):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), request.param)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", request.param.underscores
    server.shutdown()
    server.server_close()


def _metrics_line(prometheus_url: str, monkeypatch) -> object:
    for var in (
        "PROMETHEUS_TOKEN",
        "PROMETHEUS_TOKEN_FILE",
        "PROMETHEUS_USERNAME",
        "PROMETHEUS_PASSWORD",
        "PROMETHEUS_CA_FILE",
    ):
        monkeypatch.delenv(var, raising=False)
    target = Target("credit-default", "ml")
    doctor = Doctor(
        DoctorOptions(prometheus_url=prometheus_url, metric_source="knative-otel", targets=[target])
    )
    doctor.revisions[("ml", "credit-default")] = REVISION  # what the InferenceService line finds
    return doctor.check_metrics(target)


def test_doctor_warns_that_the_rules_do_not_read_dotted_names(url, monkeypatch):
    prometheus_url, underscores = url
    check = _metrics_line(prometheus_url, monkeypatch)
    if underscores:  # the rules read these: the line stays ok, without the note
        assert check.status == OK and "dotted" not in check.line()
        return
    line = check.line()
    assert check.status == WARN, line
    assert f"knative-otel: series for revision {REVISION} in {prometheus_url}" in line
    assert "http.server.request.duration_seconds_count" in line and "recording rules" in line
    assert (
        "fix: have them stored with underscores" in line
        and "metric_name_escaping_scheme: underscores" in line
    )
