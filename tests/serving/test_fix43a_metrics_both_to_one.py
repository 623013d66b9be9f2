"""A queue-proxy scraped both ways (classic text and native protobuf of the same target:
``scrape_classic_histograms`` / ``always_scrape_classic_histograms``, modelled as two jobs with
the same target labels as tests/serving/test_fix42a_metrics_rules.py does) whose classic scrape
is turned off within the window: the normal end of a native-histogram migration. The native
series holds every answer of the window; the stale classic series the answers before it was
turned off, again.

knative-otel's request count (the canary analysis and the recording rule
``ctloop:source_requests:rate5m``, MetricSource._kinds) added both kinds wherever one kind alone
was live, so this target was counted 1.6 to 1.8 times (a failing canary's 5xx share diluted by
its own answers counted twice). Now both kinds are added only where they were
never live at once in the window (a switch, tests/serving/test_r43_metrics_histogram_switch.py);
here the live kind alone counts.

A real Prometheus 2.42 (``--enable-feature=native-histograms``); pages of
tests/serving/test_fix41f_mixed_histograms.py (prometheus/client_model v0.3.0 ``metrics.proto``).
"""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import pytest

from ctloop.serving.metric_sources import Prometheus, PrometheusAuth, get_source
from tests.fixtures.prometheus import native_scraping, wait_for
from tests.fixtures.servers import InThreadServer
from tests.serving import test_fix41f_mixed_histograms as mixed
from tests.serving import test_r41_metrics_native_histograms as pb

pytestmark = pytest.mark.slow

NS, CONFIG = mixed.NS, mixed.CONFIG
REVISION = f"{CONFIG}-00002"
POD = f"{REVISION}-deployment-a"
OTEL = "http_server_request_duration_seconds"
RPS = 40


class BothWaysPod(InThreadServer):
    """One queue-proxy (5 % 503s): /native as protobuf, /classic as text until :attr:`classic`
    is cleared (then an empty page: its classic series go stale)."""

    def __init__(self):
        started = time.time() - 10
        self.classic = True
        pod = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                n = int(RPS * (time.time() - started))
                err = round(n * 0.05)
                if self.path.startswith("/native"):
                    body, kind = mixed._native(REVISION, n, err, 0.08, "otel"), pb.PROTOBUF
                else:
                    text = mixed._classic(REVISION, n, err, 0.08, "otel").decode()
                    text = text.split("# TYPE target_info")[0]  # target_info once, from /native
                    body = text.encode() if pod.classic else b""
                    kind = "text/plain; version=0.0.4"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        super().__init__(Handler)


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    with BothWaysPod() as pod:
        # the PodMonitor's target labels (manifests/components/monitoring/podmonitor.yaml)
        labels = {
            "job": "ml/ctloop-inferenceservices",
            "instance": "10.0.0.1:9091",
            "pod": POD,
            "namespace": NS,
        }
        jobs = [
            {
                "job_name": kind,
                "scrape_interval": "1s",
                "metrics_path": f"/{kind}",
                "static_configs": [{"targets": [pod.address], "labels": labels}],
            }
            for kind in ("classic", "native")
        ]
        with native_scraping(tmp_path_factory.mktemp("both"), jobs) as url:
            wait_for(
                url,
                f"count_over_time({OTEL}_count[1m])",
                timeout=60,
                predicate=lambda r: bool(r) and int(r[0]["value"][1]) >= 5,
            )
            pod.classic = False
            time.sleep(2.5)
            yield Prometheus(url, auth=PrometheusAuth())


def _count(prom: Prometheus, fn: str, window: str, at: float, native: bool) -> float:
    if native:
        return prom.scalar(f'sum(histogram_count({fn}({OTEL}{{pod="{POD}"}}[{window}])))', at)
    return prom.scalar(f'sum({fn}({OTEL}_count{{pod="{POD}"}}[{window}]))', at)


def test_the_premise_the_classic_series_are_stale_and_repeat_native_answers(prom):
    at = time.time()
    assert prom.scalar(f'count({OTEL}_count{{pod="{POD}"}})', at) is None  # stale
    assert prom.scalar(f'count({OTEL}{{pod="{POD}"}})', at) == 2  # 200 and 503, live
    assert _count(prom, "increase", "20s", at, native=False) > 0.3 * _count(
        prom, "increase", "20s", at, native=True
    )


def test_the_canary_analysis_counts_the_live_kind_alone(prom):
    at = time.time()
    stats = get_source("knative-otel").stats(prom, REVISION, NS, "20s", at)
    assert stats.requests == pytest.approx(_count(prom, "increase", "20s", at, True), rel=0.05)
    assert stats.error_rate == pytest.approx(0.05, abs=0.02)


def test_the_recording_rule_counts_the_live_kind_alone(prom):
    """The rule's expression as generated, asked as an instant query (what a rule evaluation
    is), with its subquery step (a tenth of 5m: the PodMonitor's 30 s) at 1 s: here both kinds
    were live together for a few seconds, not for days."""
    expr = get_source("knative-otel").rule_group()["rules"][0]["expr"]
    at = time.time()
    recorded = prom.scalar(f"sum({expr.replace('[5m:30s]', '[5m:1s]')})", at)
    assert recorded == pytest.approx(_count(prom, "rate", "5m", at, True), rel=0.05)
    assert "[5m:30s]" in expr
