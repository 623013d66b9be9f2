"""Canary analysis on native histograms: a real Prometheus 2.42 started with
``--enable-feature=native-histograms`` scrapes the pods' latency histograms as native
(exponential) histograms over the protobuf exposition format, so no ``<name>_bucket`` and no
``<name>_count`` series exist — as with Prometheus 3's ``convert_classic_histograms_to_nhcb`` or
OTLP exponential histograms. Every canary failed: "no latency data" (``ctloop``: its request
counter is a counter) or "no data" (``knative-otel``: its requests are the histogram's
``_count``).

The exposition is hand-encoded protobuf, field numbers from prometheus/client_model
``io/prometheus/client/metrics.proto`` at v0.3.0 (the client_model Prometheus v2.42.0's go.mod
pins): MetricFamily name=1 help=2 type=3 metric=4; Metric label=1 counter=3 gauge=2
histogram=7; Histogram sample_count=1 sample_sum=2 schema=5 (sint32) zero_threshold=6
zero_count=7 positive_span=12 positive_delta=13 (sint64); BucketSpan offset=1 (sint32)
length=2. Each message is length-delimited (varint prefix): the content type
``application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited``
Prometheus asks for first when native histograms are on (its Accept header). Schema 0: bucket i
holds (2**(i-1), 2**i] seconds.
"""

from __future__ import annotations

import math
import struct
import time
from http.server import BaseHTTPRequestHandler

import pytest

from ctloop.config import CanaryRules
from ctloop.serving import analysis
from ctloop.serving.metric_sources import Prometheus, get_source
from tests.fixtures.prometheus import native_scraping, wait_for
from tests.fixtures.servers import InThreadServer

pytestmark = pytest.mark.slow

NS, CONFIG = "ml", "credit-predictor"
STABLE, HEALTHY, ERRORS, SLOW = (f"{CONFIG}-0000{i}" for i in (1, 2, 3, 4))
LATENCY = {STABLE: 0.09, HEALTHY: 0.08, ERRORS: 0.09, SLOW: 0.72}
ERROR_SHARE = {ERRORS: 0.05}
RPS = 40
RULES = CanaryRules(window="1m", min_requests=20)
# the time base: every pod scraped each SCRAPE_S, its answers counted SPEED times faster than RPS
# (as many answers per scrape as at 1 s scrapes)
SCRAPE_S = 0.25
SCRAPE, SPEED = f"{int(SCRAPE_S * 1000)}ms", 1 / SCRAPE_S
PROTOBUF = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"


# ------------------------------------------------------------------ protobuf, by hand
def _varint(n: int) -> bytes:
    out, n = bytearray(), n & (2**64 - 1)
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _uint(field: int, n: int) -> bytes:
    return _key(field, 0) + _varint(n)


def _sint(field: int, n: int) -> bytes:  # zigzag
    return _key(field, 0) + _varint((n << 1) ^ (n >> 63))


def _double(field: int, x: float) -> bytes:
    return _key(field, 1) + struct.pack("<d", x)


def _message(field: int, body: bytes) -> bytes:
    return _key(field, 2) + _varint(len(body)) + body


def _labels(labels: dict[str, str]) -> bytes:
    return b"".join(_message(1, _message(1, k.encode()) + _message(2, v.encode())) for k, v in labels.items())


def _native(labels: dict[str, str], count: int, seconds: float) -> bytes:
    """One Metric: a native histogram of ``count`` observations of ``seconds`` (schema 0)."""
    index = math.ceil(math.log2(seconds))
    histogram = (_uint(1, count) + _double(2, count * seconds) + _sint(5, 0) + _double(6, 2.0**-128)
                 + _uint(7, 0) + _message(12, _sint(1, index) + _uint(2, 1)) + _sint(13, count))
    return _labels(labels) + _message(7, histogram)


def _counter(labels: dict[str, str], value: float) -> bytes:
    return _labels(labels) + _message(3, _double(1, value))


def _gauge(labels: dict[str, str], value: float) -> bytes:
    return _labels(labels) + _message(2, _double(1, value))


def _family(name: str, kind: int, metrics: list[bytes]) -> bytes:  # kind: COUNTER 0, GAUGE 1, HISTOGRAM 4
    body = _message(1, name.encode()) + _message(2, b"help") + _uint(3, kind) + b"".join(_message(4, m) for m in metrics)
    return _varint(len(body)) + body


# ------------------------------------------------------------------ the pods
def _answers(revision: str, t: float) -> tuple[int, int]:
    """(ok, 5xx) answers of ``revision``'s pod ``t`` seconds after it started."""
    total = int(RPS * SPEED * t)
    errors = round(total * ERROR_SHARE.get(revision, 0.0))
    return total - errors, errors


def ctloop_page(revision: str, t: float) -> bytes:
    """The ctloop runtime (``src/ctloop/serving/runtime.py``): its counter, and its latency
    histogram as Prometheus 3 turns it into a native one."""
    ok, errors = _answers(revision, t)
    model = {"model_name": "credit", "model_version": revision[-1]}
    counters = [_counter({**model, "outcome": "ok"}, ok)] + ([_counter({**model, "outcome": "error"}, errors)]
                                                              if errors else [])
    return (_family("ctloop_predictions_total", 0, counters)
            + _family("ctloop_predict_seconds", 4, [_native(model, ok, LATENCY[revision])]))


def otel_page(revision: str, t: float) -> bytes:
    """The Knative >= 1.19 queue-proxy: otelhttp's http.server.request.duration as a native
    histogram per status code (its own 503s answered at once), the resource on target_info."""
    ok, errors = _answers(revision, t)
    scope = {"otel_scope_name": "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"}
    series = [_native({**scope, "http_response_status_code": "200"}, ok, LATENCY[revision])]
    if errors:
        series.append(_native({**scope, "http_response_status_code": "503"}, errors, 0.001))
    info = {"kn_revision_name": revision, "kn_configuration_name": CONFIG, "k8s_namespace_name": NS,
            "k8s_pod_name": f"{revision}-deployment-abc"}
    return (_family("http_server_request_duration_seconds", 4, series)
            + _family("target_info", 1, [_gauge(info, 1.0)]))


class Pods(InThreadServer):
    """Every revision's pod, at /ctloop/<revision> and /otel/<revision>; counts grow with time."""

    def __init__(self):
        started = time.time() - 10  # already 10 s of answers at the first scrape

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                kind, _, revision = self.path.strip("/").partition("/")
                page = {"ctloop": ctloop_page, "otel": otel_page}.get(kind)
                if page is None or revision not in LATENCY:
                    self.send_response(404)
                    self.end_headers()
                    return
                body = page(revision, time.time() - started)
                self.send_response(200)
                self.send_header("Content-Type", PROTOBUF)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        super().__init__(Handler)

    def scrape_configs(self) -> list[dict]:
        jobs = []
        for i, revision in enumerate(LATENCY):
            pod = f"{revision}-deployment-abc"
            # the PodMonitor's target labels (manifests/components/monitoring/podmonitor.yaml)
            jobs.append({"job_name": f"ctloop-{i}", "scrape_interval": SCRAPE, "metrics_path": f"/ctloop/{revision}",
                         "static_configs": [{"targets": [self.address], "labels": {
                             "job": "ml/ctloop-inferenceservices", "instance": f"10.0.0.{i}:8080", "pod": pod,
                             "namespace": NS, "isvc": "credit", "revision": revision}}]})
            jobs.append({"job_name": f"otel-{i}", "scrape_interval": SCRAPE, "metrics_path": f"/otel/{revision}",
                         "static_configs": [{"targets": [self.address], "labels": {
                             "job": "ml/ctloop-inferenceservices", "instance": f"10.0.0.{i}:9091", "pod": pod,
                             "namespace": NS}}]})
        return jobs


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("native")
    with Pods() as pods:
        with native_scraping(workdir, pods.scrape_configs()) as url:
            # three scrapes of every target: a rate over the window has samples to work with
            wait_for(url, 'count(count_over_time({__name__=~"ctloop_predictions_total|target_info"}[1m]) >= 3)',
                     predicate=lambda r: bool(r) and r[0]["value"][1] == str(2 * len(LATENCY) + len(ERROR_SHARE)))
            yield Prometheus(url)


def test_prometheus_holds_native_histograms_only(prom):
    """The premise: the histograms are native, their classic series do not exist."""
    assert prom.query("count(ctloop_predict_seconds_bucket)") == []
    assert prom.query("count(http_server_request_duration_seconds_count)") == []
    assert prom.scalar("count(histogram_count(ctloop_predict_seconds))") == len(LATENCY)


def _decide(prom, source: str, canary: str):
    check = analysis.make_check(prom, source=source, canary_revision=lambda: canary, stable_revision=lambda: STABLE,
                                namespace=NS, rules=RULES)
    return check(5)


@pytest.mark.parametrize("source", ["ctloop", "knative-otel"])
def test_a_healthy_canary_passes_on_native_histograms(prom, source):
    passed, reason, measured = _decide(prom, source, HEALTHY)
    assert passed, reason
    # schema 0: 80 ms and 90 ms are in (62.5 ms, 125 ms]
    assert 0.0625 < measured["canary_p99_seconds"] <= 0.125
    assert 0.0625 < measured["stable_p99_seconds"] <= 0.125
    assert measured["canary_error_rate"] == 0.0 and measured["canary_requests"] >= RULES.min_requests


@pytest.mark.parametrize("source", ["ctloop", "knative-otel"])
@pytest.mark.parametrize("canary, reason", [(SLOW, "p99 latency"), (ERRORS, "error rate")])
def test_a_bad_canary_fails_on_native_histograms(prom, source, canary, reason):
    passed, why, measured = _decide(prom, source, canary)
    assert not passed and reason in why, why
    if canary == ERRORS:
        assert measured["canary_error_rate"] == pytest.approx(0.05, abs=0.01)


def test_a_revision_without_traffic_is_still_no_data(prom):
    """The fallback finds nothing for a revision nobody scraped: no data, never a pass."""
    for source in ("ctloop", "knative-otel"):
        passed, why, _ = _decide(prom, source, f"{CONFIG}-00009")
        assert not passed and "no data for canary revision" in why, why
        assert get_source(source).series_exist(prom, STABLE, NS)
