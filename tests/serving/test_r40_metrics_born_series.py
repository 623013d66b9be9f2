"""The limit of counting with ``increase()``: answers before a series' first scrape are not
counted, in a real Prometheus (backfilled with promtool).

OpenTelemetry Go creates a series at the first use of its attribute set (the queue-proxy's
``http_response_status_code="500"`` series of knative-v1.21.1 ``pkg/queue/sharedmain/
handlers.go``); the ctloop runtime creates its ``ctloop_predictions_total`` outcomes at 0 when it
loads the model (``src/ctloop/serving/runtime.py``), but the answers of a pod before its first
scrape are in that first sample all the same. A new canary pod, or one that replaced a crashed
pod, shows a series whose first sample already holds its first answers; ``increase()`` counts
only between samples (prometheus v2.42 ``promql/functions.go`` ``extrapolatedRate``: at most half
a scrape interval extrapolated), so those answers are not counted. Counting a first value as new (476ad7d, reverted in fix40)
cannot tell a new series from one first scraped after a gap (tests/serving/
test_fix40a_scrape_gap.py); Prometheus' ``created-timestamp-zero-ingestion`` can (docs/serving.md).
"""

from __future__ import annotations

import pytest

from ctloop.config import CanaryRules
from ctloop.serving import analysis
from ctloop.serving.metric_sources import Prometheus, get_source
from tests.fixtures.prometheus import prometheus_with

pytestmark = pytest.mark.slow

T0, STEP, N = 1_700_000_000, 30, 41
AT = T0 + (N - 1) * STEP
NS = "ml"
STABLE = "credit-predictor-00001"
COLD = "credit-predictor-00002"  # new canary pod: 20 of its first 60 requests failed, none since
REPLACED = "credit-predictor-00003"  # its pod crashed and was replaced: the new pod's errors
STEADY = "credit-predictor-00004"  # healthy canary born in the window, no error series at all


def _series(name: str, labels: dict[str, str], values: dict[int, float]) -> list[str]:
    body = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return [f"{name}{{{body}}} {v!r} {T0 + i * STEP}" for i, v in sorted(values.items())]


def _pod(revision: str, pod: str, ok: dict[int, float], error: dict[int, float]) -> list[str]:
    """One pod's ctloop runtime series with the PodMonitor's target labels; latency 50-100 ms."""
    target = {"job": f"{NS}/ctloop-inferenceservices", "instance": f"{pod}:8080", "namespace": NS,
              "pod": pod, "revision": revision}
    lines = _series("ctloop_predictions_total", {**target, "outcome": "ok"}, ok)
    if error:
        lines += _series("ctloop_predictions_total", {**target, "outcome": "error"}, error)
    for le, share in (("0.05", 0.5), ("0.1", 1.0), ("+Inf", 1.0)):
        lines += _series("ctloop_predict_seconds_bucket", {**target, "le": le},
                         {i: v * share for i, v in ok.items()})
    return lines


def _otel_pod(revision: str, pod: str, ok: dict[int, float], error: dict[int, float]) -> list[str]:
    """The same pod's Knative 1.21 queue-proxy series (tests/fixtures/serving_metrics.py
    ``knative_otel``): ``http_server_request_duration_seconds`` by status code, the revision on
    ``target_info`` only."""
    target = {"job": f"{NS}/ctloop-inferenceservices", "instance": f"{pod}:9091", "pod": pod}
    lines = []
    for code, values in (("200", ok), ("500", error)):
        labels = {**target, "http_response_status_code": code}
        lines += _series("http_server_request_duration_seconds_count", labels, values)
        for le in ("0.1", "+Inf"):
            lines += _series("http_server_request_duration_seconds_bucket", {**labels, "le": le}, values)
    info = {**target, "kn_revision_name": revision, "k8s_namespace_name": NS,
            "kn_configuration_name": "credit-predictor"}
    return lines + _series("target_info", info, {i: 1.0 for i in ok})


def _ramp(first: int, start: float, per_step: float, last: int = N - 1) -> dict[int, float]:
    return {i: start + (i - first) * per_step for i in range(first, last + 1)}


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    born = N - 8  # the last 8 scrapes: 3.5 minutes of the 5-minute window
    lines = [
        *_pod(STABLE, "stable-a", _ramp(0, 0, 200), {i: 0.0 for i in range(N)}),
        # 60 requests before the first scrape, 20 of them failed; then 20 ok requests per scrape
        *_pod(COLD, "cold-a", _ramp(born, 40, 20), {i: 20.0 for i in range(born, N)}),
        # the first pod served 20 per scrape without an error until it crashed; its replacement
        # failed 15 of its first requests, then served 20 per scrape
        *_pod(REPLACED, "replaced-a", _ramp(0, 0, 20, last=N - 8), {}),
        *_pod(REPLACED, "replaced-b", _ramp(N - 9, 25, 20), {i: 15.0 for i in range(N - 9, N)}),
        *_pod(STEADY, "steady-a", _ramp(born, 40, 20), {}),
        *_otel_pod(STABLE, "stable-a", _ramp(0, 0, 200), {}),
        *_otel_pod(COLD, "cold-a", _ramp(born, 40, 20), {i: 20.0 for i in range(born, N)}),
    ]
    by_name: dict[str, list[str]] = {}
    for line in lines:
        by_name.setdefault(line.split("{")[0], []).append(line)
    text = "\n".join([*(part for name, series in by_name.items()
                        for part in (f"# TYPE {name} unknown", *series)), "# EOF", ""])
    with prometheus_with(text, tmp_path_factory.mktemp("prom")) as url:
        yield Prometheus(url)


def _check(prom, canary: str, source: str = "ctloop"):
    check = analysis.make_check(prom, canary_revision=lambda: canary, stable_revision=lambda: STABLE,
                                namespace=NS, rules=CanaryRules(), source=source, clock=lambda: AT)
    return check(5)


@pytest.mark.parametrize(("canary", "source"), [(COLD, "ctloop"), (REPLACED, "ctloop"),
                                                (COLD, "knative-otel")])
def test_errors_answered_before_a_series_first_scrape_are_not_counted(prom, canary, source):
    """The limit, as docs/serving.md says it: the canary passes with 0 % errors although a tenth of
    its requests failed, all before its error series' first scrape."""
    passed, reason, measured = _check(prom, canary, source)
    assert measured["canary_error_rate"] == 0.0, measured
    assert passed, reason


def test_a_young_series_counts_from_its_first_sample_without_its_first_value(prom):
    """increase() of a series born 3.5 minutes into the window: the 140 answers between its
    samples, extrapolated by at most half a scrape interval towards the window's start (its
    extrapolation to zero would reach further), never the 40 of its first sample."""
    stats = get_source("ctloop").stats(prom, STEADY, NS, "5m", AT)
    assert 140 <= stats.requests <= 140 * (210 + 15) / 210 + 1e-6, stats
    assert stats.error_rate == 0.0, stats
