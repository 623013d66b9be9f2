"""Queue-proxies whose histogram kind changed within the window, in one real Prometheus 2.42
(``--enable-feature=native-histograms``) scraping two pods of two revisions live:

* **a switch** (revision ``-00002``): the pod answers as classic text, then as native protobuf
  (a restart onto a client exposing native histograms, Prometheus 3's
  ``convert_classic_histograms_to_nhcb`` switched on). Prometheus marks the classic series stale
  at the first native scrape; the classic samples before it stay in the window.
  knative-otel's request count (the canary analysis' ``_per_target`` and the recording rules'
  ``ctloop:source_requests:rate5m``) took the native count wherever a target had one: the
  answers before the switch, in the stale classic series, were missing for a whole window (here
  two thirds of the canary's requests). Now a target whose two kinds were never live at once in
  the window counts both;
* **both ways to one** (revision ``-00003``, fix43a): a pod scraped both ways (classic text and
  native protobuf of the same target: ``scrape_classic_histograms`` /
  ``always_scrape_classic_histograms``, modelled as two jobs with the same target labels as
  tests/serving/test_fix42a_metrics_rules.py does) whose classic scrape is turned off within the
  window: the normal end of a native-histogram migration. The native series holds every answer
  of the window; the stale classic series the answers before it was turned off, again. Both
  kinds were added wherever one kind alone was live, so this target was counted 1.6 to 1.8 times
  (a failing canary's 5xx share diluted by its own answers counted twice). Now where both kinds
  were live at once in the window the live kind alone counts (MetricSource._kinds).

Pages: the classic text and the native protobuf of tests/serving/test_fix41f_mixed_histograms.py
(prometheus/client_model v0.3.0 ``metrics.proto``, pinned by Prometheus v2.42.0's go.mod).
"""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import pytest

from ctloop.serving.metric_sources import Prometheus, PrometheusAuth, get_source
from tests.fixtures.prometheus import native_scraping, wait_for
from tests.fixtures.servers import InThreadServer
from tests.manifests.rules_support import render_monitoring, rule_groups, write_rules
from tests.serving import test_fix41f_mixed_histograms as mixed
from tests.serving import test_r41_metrics_native_histograms as pb

pytestmark = pytest.mark.slow

NS, CONFIG = mixed.NS, mixed.CONFIG
REVISION = f"{CONFIG}-00002"  # the switch
POD = f"{REVISION}-deployment-a"
BOTH_REVISION = f"{CONFIG}-00003"  # both ways to one
BOTH_POD = f"{BOTH_REVISION}-deployment-a"
OTEL = "http_server_request_duration_seconds"
RPS = 40
FAST, SLOW = 0.08, 0.9  # seconds per answer before and after the switch
# the time base: scrapes and rule evaluations every 500 ms (the windows and the subquery steps
# below are half what they would be at 1 s: the same number of scrapes in each)
SCRAPE = "500ms"
WINDOW = "10s"  # the "both ways" window: 20 scrapes


class SwitchingPod(InThreadServer):
    """One queue-proxy (5 % 503s) answering classic text (FAST answers) until :attr:`native` is
    set, then native protobuf (SLOW answers: every answer since the switch is slow)."""

    def __init__(self):
        started = time.time() - 10
        self.native = False
        pod = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                n = int(RPS * (time.time() - started))
                err = round(n * 0.05)
                page = mixed._native if pod.native else mixed._classic
                self.send_response(200)
                self.send_header(
                    "Content-Type", pb.PROTOBUF if pod.native else "text/plain; version=0.0.4"
                )
                self.end_headers()
                self.wfile.write(page(REVISION, n, err, SLOW if pod.native else FAST, "otel"))

            def log_message(self, *args):
                pass

        super().__init__(Handler)


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
                    body, kind = mixed._native(BOTH_REVISION, n, err, FAST, "otel"), pb.PROTOBUF
                else:
                    text = mixed._classic(BOTH_REVISION, n, err, FAST, "otel").decode()
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


def _labels(pod: str, instance: str) -> dict[str, str]:
    """The PodMonitor's target labels (manifests/components/monitoring/podmonitor.yaml)."""
    return {"job": "ml/ctloop-inferenceservices", "instance": instance, "pod": pod, "namespace": NS}


def _scraped(url: str, pod: str) -> None:
    wait_for(
        url,
        f'count_over_time({OTEL}_count{{pod="{pod}"}}[1m])',
        timeout=60,
        predicate=lambda r: bool(r) and int(r[0]["value"][1]) >= 5,
    )


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("switch")
    groups = [
        {**g, "interval": SCRAPE}
        for g in rule_groups(render_monitoring(tmp_path / "render", "knative-otel"))
    ]
    rules = write_rules(tmp_path, groups)
    with SwitchingPod() as switching, BothWaysPod() as both:
        jobs = [
            {
                "job_name": "otel",
                "scrape_interval": SCRAPE,
                "metrics_path": "/",
                "static_configs": [
                    {"targets": [switching.address], "labels": _labels(POD, "10.0.0.1:9091")}
                ],
            },
            *(
                {
                    "job_name": kind,
                    "scrape_interval": SCRAPE,
                    "metrics_path": f"/{kind}",
                    "static_configs": [
                        {"targets": [both.address], "labels": _labels(BOTH_POD, "10.0.0.2:9091")}
                    ],
                }
                for kind in ("classic", "native")
            ),
        ]
        with native_scraping(tmp_path, jobs, rule_files=[str(rules)]) as url:
            _scraped(url, BOTH_POD)
            both.classic = False  # first: its classic series stale 2.5 scrapes or more at the tests
            _scraped(url, POD)
            time.sleep(0.5)  # the switch's classic samples outnumber its native ones at the tests
            switching.native = True
            wait_for(
                url,
                f'count_over_time(histogram_count({OTEL}{{pod="{POD}"}})[1m:{SCRAPE}])',
                timeout=30,
                predicate=lambda r: bool(r) and max(int(s["value"][1]) for s in r) >= 2,
            )
            time.sleep(0.75)  # a rule evaluation after the native samples
            yield Prometheus(url, auth=PrometheusAuth())


def _kinds(prom: Prometheus, fn: str, window: str, at: float) -> tuple[float, float]:
    classic = prom.scalar(f'sum({fn}({OTEL}_count{{pod="{POD}"}}[{window}]))', at)
    native = prom.scalar(f'sum(histogram_count({fn}({OTEL}{{pod="{POD}"}}[{window}])))', at)
    return classic, native


def _count(prom: Prometheus, fn: str, window: str, at: float, native: bool) -> float:
    if native:
        return prom.scalar(f'sum(histogram_count({fn}({OTEL}{{pod="{BOTH_POD}"}}[{window}])))', at)
    return prom.scalar(f'sum({fn}({OTEL}_count{{pod="{BOTH_POD}"}}[{window}]))', at)


# ------------------------------------------------------------------------------- the switch
def test_the_premise_the_classic_series_are_stale_and_hold_most_answers(prom):
    at = time.time()
    assert prom.scalar(f'count({OTEL}_count{{pod="{POD}"}})', at) is None  # stale: not live
    assert prom.scalar(f'count({OTEL}{{pod="{POD}"}})', at) == 2  # 200 and 503, live
    classic, native = _kinds(prom, "increase", "1m", at)
    assert classic > native > 0


def test_the_canary_analysis_counts_both_sides_of_a_switch(prom):
    at = time.time()
    stats = get_source("knative-otel").stats(prom, REVISION, NS, "1m", at)
    classic, native = _kinds(prom, "increase", "1m", at)
    assert stats.requests == pytest.approx(classic + native, rel=0.05)
    assert stats.error_rate == pytest.approx(0.05, abs=0.02)


def test_the_recording_rule_counts_both_sides_of_a_switch(prom):
    recorded = f'sum(ctloop:source_requests:rate5m{{revision="{REVISION}"}})'
    # evaluated at the rule's own evaluation time: the same data as the rule saw
    at = prom.scalar(f'max(timestamp(ctloop:source_requests:rate5m{{revision="{REVISION}"}}))')
    value = prom.scalar(recorded, at)
    classic, native = _kinds(prom, "rate", "5m", at)
    assert value == pytest.approx(classic + native, rel=0.05)


def test_the_canary_analysis_p99_has_the_slow_answers_since_the_switch(prom):
    stats = get_source("knative-otel").stats(prom, REVISION, NS, "1m", time.time())
    assert stats.p99_seconds > 0.5


def test_the_recording_rule_p99_has_the_slow_answers_since_the_switch(prom):
    """The native p99 of a target was left out while its classic buckets still had a rate: for 5
    minutes after the switch the recorded p99 was the classic one, 0.1 s (no latency alert)."""
    p99 = f'ctloop:source_latency_p99_seconds:5m{{revision="{REVISION}"}}'
    assert prom.scalar(f"max({p99})") > 0.5


# ----------------------------------------------------------------------- both ways to one
def test_the_premise_the_classic_series_are_stale_and_repeat_native_answers(prom):
    at = time.time()
    assert prom.scalar(f'count({OTEL}_count{{pod="{BOTH_POD}"}})', at) is None  # stale
    assert prom.scalar(f'count({OTEL}{{pod="{BOTH_POD}"}})', at) == 2  # 200 and 503, live
    assert _count(prom, "increase", WINDOW, at, native=False) > 0.3 * _count(
        prom, "increase", WINDOW, at, native=True
    )


def test_the_canary_analysis_counts_the_live_kind_alone(prom):
    at = time.time()
    stats = get_source("knative-otel").stats(prom, BOTH_REVISION, NS, WINDOW, at)
    assert stats.requests == pytest.approx(_count(prom, "increase", WINDOW, at, True), rel=0.05)
    assert stats.error_rate == pytest.approx(0.05, abs=0.02)


def test_the_recording_rule_counts_the_live_kind_alone(prom):
    """The rule's expression as generated, asked as an instant query (what a rule evaluation
    is), with its subquery step (a tenth of 5m: the PodMonitor's 30 s) at the scrape interval:
    here both kinds were live together for a few scrapes, not for days. The other revision's
    (the switch's) series are left out by its revision label."""
    expr = get_source("knative-otel").rule_group()["rules"][0]["expr"]
    at = time.time()
    scaled = expr.replace("[5m:30s]", f"[5m:{SCRAPE}]")
    per_revision = prom.query(f"sum by (revision) ({scaled})", at)
    recorded = {labels["revision"]: value for labels, value in per_revision}[BOTH_REVISION]
    assert recorded == pytest.approx(_count(prom, "rate", "5m", at, True), rel=0.05)
    assert "[5m:30s]" in expr
