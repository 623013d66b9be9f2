"""The recording rules' p99 and request counts where classic and native histograms meet, in a
real Prometheus 2.42 (``--enable-feature=native-histograms``).

- knative-otel: a revision scraped classic has one slow pod (0.5 rps at 2 s beside 100 rps at
  0.05 s). Its p99 is the classic one (~0.1 s); the per-target native p99 (an upper bound for
  pods without classic buckets) must not make the slow pod's 2 s the revision's p99 when the
  same pods are also scraped as native histograms.
- knative-otel: a pod switched to native histograms still has classic series in the window
  (here: frozen, its classic 503 series at 0) while its live native histogram counts about 5 % 503s:
  the 5xx ratio is the native one, not 0 of the frozen classic series.
- istio and knative-legacy: a native latency histogram has a p99 series (Prometheus 2.42's
  ``label_replace`` turns a native sample into a float 0, so the rule aggregates first).

Native histograms are written with the protobuf helpers of
tests/serving/test_r41_metrics_native_histograms.py (prometheus/client_model v0.3.0
``metrics.proto``, pinned by Prometheus v2.42.0's go.mod). Metric and label names: knative-otel
from otelhttp's ``http.server.request.duration`` (Knative 1.19 queue-proxy), istio from Istio's
standard metrics (``istio_request_duration_milliseconds``), knative-legacy from Knative's
OpenCensus queue-proxy metrics (``revision_request_latencies``, ms).
"""

from __future__ import annotations

import contextlib
import time
from http.server import BaseHTTPRequestHandler

import pytest

from ctloop.serving.metric_sources import Prometheus, PrometheusAuth, get_source
from tests.fixtures.prometheus import native_scraping, wait_for
from tests.fixtures.servers import InThreadServer
from tests.manifests.rules_support import render_monitoring, rule_groups, write_rules
from tests.serving import test_r41_metrics_native_histograms as pb

pytestmark = pytest.mark.slow

NS, CONFIG = "ml", "credit-predictor"
OTEL = "http_server_request_duration_seconds"
BOTH, SWITCHED = f"{CONFIG}-00001", f"{CONFIG}-00002"
P99 = "ctloop:request_latency_p99_seconds:5m"
STARTED = time.time() - 10
# the time base: every target scraped and every rule evaluated each SCRAPE_S, the answers per
# second below counted SPEED times faster (as many answers per scrape as at 1 s scrapes) and the
# tests' pauses in scrapes
SCRAPE_S = 0.25
SCRAPE, SPEED = f"{int(SCRAPE_S * 1000)}ms", 1 / SCRAPE_S
# knative-otel (revision, pod, exposure, [(status code, answers/s (times SPEED), seconds, frozen)])
OTEL_PODS = [
    (BOTH, "a", "both", [("200", 100.0, 0.05, False)]),
    (BOTH, "b", "both", [("200", 0.5, 2.0, False)]),
    # switched: the classic page's counts stopped growing, the native one's are live
    (SWITCHED, "a", "switched", [("200", 40.0, 0.05, False), ("503", 2.0, 0.05, False)]),
]


def _count(rate: float, frozen: bool = False) -> int:
    return int(rate * SPEED * (10 if frozen else time.time() - STARTED))


def _classic(pod: tuple, frozen: bool) -> bytes:
    revision, _, _, series = pod
    text = f"# TYPE {OTEL} histogram\n"
    for code, rate, seconds, _ in series:
        n = 0 if frozen and code == "503" else _count(rate, frozen)
        for le in ("0.1", "1", "2.5", "+Inf"):
            c = n if le == "+Inf" or seconds <= float(le) else 0
            text += f'{OTEL}_bucket{{http_response_status_code="{code}",le="{le}"}} {c}\n'
        text += f'{OTEL}_sum{{http_response_status_code="{code}"}} {n * seconds}\n'
        text += f'{OTEL}_count{{http_response_status_code="{code}"}} {n}\n'
    text += (
        f'# TYPE target_info gauge\ntarget_info{{kn_revision_name="{revision}",'
        f'kn_configuration_name="{CONFIG}",k8s_namespace_name="{NS}"}} 1\n'
    )
    return text.encode()


def _native(pod: tuple) -> bytes:
    series = [
        pb._native({"http_response_status_code": code}, _count(rate), seconds)
        for code, rate, seconds, _ in pod[3]
    ]
    return pb._family(OTEL, 4, series)


ISTIO = {
    "reporter": "source",
    "destination_service_name": f"{CONFIG}-00003",
    "destination_service_namespace": NS,
    "response_code": "200",
}
LEGACY = {
    "namespace_name": NS,
    "configuration_name": CONFIG,
    "revision_name": f"{CONFIG}-00004",
    "response_code_class": "2xx",
}


def _page(path: str) -> tuple[bytes, str]:
    kind, index = path.strip("/").split("/")
    if kind == "istio":  # 80 ms answers
        n = _count(40)
        return (
            pb._family("istio_requests_total", 0, [pb._counter(ISTIO, n)])
            + pb._family("istio_request_duration_milliseconds", 4, [pb._native(ISTIO, n, 80.0)]),
            pb.PROTOBUF,
        )
    if kind == "legacy":  # 80 ms answers
        n = _count(40)
        return (
            pb._family("revision_request_count", 0, [pb._counter(LEGACY, n)])
            + pb._family("revision_request_latencies", 4, [pb._native(LEGACY, n, 80.0)]),
            pb.PROTOBUF,
        )
    pod = OTEL_PODS[int(index)]
    if kind == "classic":
        return _classic(pod, frozen=pod[2] == "switched"), "text/plain; version=0.0.4"
    return _native(pod), pb.PROTOBUF


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        body, content_type = _page(self.path)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _jobs(source: str, address: str) -> list[dict]:
    """The scrape jobs of ``source``'s targets, all served by :class:`Handler` at ``address``."""
    if source != "knative-otel":
        kind = "istio" if source == "istio" else "legacy"
        return [
            {
                "job_name": kind,
                "scrape_interval": SCRAPE,
                "metrics_path": f"/{kind}/0",
                "static_configs": [{"targets": [address], "labels": {"pod": "p-0"}}],
            }
        ]
    jobs = []
    for i, (revision, pod, _, _) in enumerate(OTEL_PODS):
        # one target scraped both ways (two jobs, the PodMonitor's target labels)
        labels = {
            "job": "ml/ctloop-inferenceservices",
            "instance": f"10.0.0.{i}:9091",
            "pod": f"{revision}-deployment-{pod}",
            "namespace": NS,
        }
        for fmt in ("classic", "native"):
            jobs.append(
                {
                    "job_name": f"{fmt}-{i}",
                    "scrape_interval": SCRAPE,
                    "metrics_path": f"/{fmt}/{i}",
                    "static_configs": [{"targets": [address], "labels": labels}],
                }
            )
    return jobs


SOURCES = ("knative-otel", "istio", "knative-legacy")


@pytest.fixture(scope="module")
def prometheus_per_source(tmp_path_factory):
    """One real Prometheus per source (its own rules, its own targets), all started before any is
    waited for: each scrapes nothing for its first ~5 s (Prometheus 2.42's scrape manager applies
    discovered targets on a 5 s ticker), so the three wait once, not one after the other."""
    with InThreadServer(Handler) as server, contextlib.ExitStack() as stack:
        urls = {}
        for source in SOURCES:
            tmp_path = tmp_path_factory.mktemp(f"fix42a-rules-{source}")
            groups = [
                {**g, "interval": SCRAPE}
                for g in rule_groups(render_monitoring(tmp_path / "render", source))
            ]
            rules = write_rules(tmp_path, groups)
            urls[source] = stack.enter_context(
                native_scraping(tmp_path, _jobs(source, server.address), rule_files=[str(rules)])
            )
        for url in urls.values():
            wait_for(url, "ctloop:request_rate:rate5m", timeout=60)
        yield {source: Prometheus(url, auth=PrometheusAuth()) for source, url in urls.items()}


@pytest.fixture(scope="module")
def prom(request, prometheus_per_source):
    return request.param, prometheus_per_source[request.param]


def _contract(revision: str) -> str:
    return f'{{namespace="{NS}", isvc="credit", revision="{revision}"}}'


@pytest.mark.parametrize("prom", ["knative-otel"], indirect=True)
def test_one_slow_pod_does_not_set_a_classic_revisions_p99(prom):
    _, prom = prom
    wait_for(prom.url, f"{P99}{_contract(BOTH)}", timeout=30)
    time.sleep(3 * SCRAPE_S)  # a few rates of each pod
    # 0.5 of 100.5 answers/s are slow: 0.5 % < 1 %, the p99 is in the 0.1 s bucket
    assert prom.scalar(f"{P99}{_contract(BOTH)}") <= 0.1


@pytest.mark.parametrize("prom", ["knative-otel"], indirect=True)
def test_a_switched_pods_503s_count(prom):
    _, prom = prom
    ratio = f"ctloop:request_error_ratio:rate5m{_contract(SWITCHED)}"
    wait_for(prom.url, ratio, timeout=30)
    time.sleep(3 * SCRAPE_S)
    assert prom.scalar(ratio) == pytest.approx(2 / 42, rel=0.3)
    # its requests are the live native ones (a 5m rate of seconds of data is not 42/s: compared
    # with the native histogram's own count)
    native = prom.scalar(f'sum(histogram_count(rate({OTEL}{{pod="{SWITCHED}-deployment-a"}}[5m])))')
    assert native > 0
    assert prom.scalar(f"ctloop:request_rate:rate5m{_contract(SWITCHED)}") == pytest.approx(
        native, rel=0.2
    )


@pytest.mark.parametrize("prom", ["istio", "knative-legacy"], indirect=True)
def test_a_native_latency_histogram_has_a_p99(prom):
    source, prom = prom
    revision = ISTIO["destination_service_name"] if source == "istio" else LEGACY["revision_name"]
    wait_for(prom.url, f"{P99}{_contract(revision)}", timeout=30)
    # 80 ms answers: in the native bucket (64, 128] ms (schema 0), the p99 interpolated in it
    assert 0.064 <= prom.scalar(f"{P99}{_contract(revision)}") <= 0.128


@pytest.mark.parametrize("prom", ["knative-otel"], indirect=True)
def test_the_canary_analysis_reads_a_switched_pod_from_its_native_series(prom):
    _, prom = prom
    time.sleep(3 * SCRAPE_S)
    stats = get_source("knative-otel").stats(prom, SWITCHED, NS, "1m")
    native = prom.scalar(
        f'sum(histogram_count(increase({OTEL}{{pod="{SWITCHED}-deployment-a"}}[1m])))'
    )
    assert stats.requests == pytest.approx(native, rel=0.2)
    assert stats.error_rate == pytest.approx(2 / 42, rel=0.3)
