"""A canary whose series have a scrape gap longer than an hour is judged on the window only (review
revA, fix40 item 1), in a real Prometheus (backfilled with promtool).

Prometheus restarted on an emptyDir, or a PodMonitor applied a minute ago: the first sample of a
series that lived for hours already holds its lifetime total. ``increase()`` counts only between
samples (prometheus v2.42 ``promql/functions.go`` ``extrapolatedRate``), so an early incident
long before the window is not counted; the reverted 476ad7d ("a series born in the window counts
from its first value") added that first value and failed a healthy canary with
``error rate 1.96% > 1.00%``.
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
OLD = "credit-predictor-00002"  # up for hours: 2000 errors of 100000 in an early incident, none since
GAP = N - 8  # its first sample in this Prometheus: 3.5 minutes into the 5-minute window


def _series(name: str, labels: dict[str, str], values: dict[int, float]) -> list[str]:
    body = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return [f"{name}{{{body}}} {v!r} {T0 + i * STEP}" for i, v in sorted(values.items())]


def _pod(revision: str, pod: str, ok: dict[int, float], error: dict[int, float]) -> list[str]:
    """One pod's ctloop runtime series with the PodMonitor's target labels."""
    target = {"job": f"{NS}/ctloop-inferenceservices", "instance": f"{pod}:8080", "namespace": NS,
              "pod": pod, "revision": revision}
    lines = _series("ctloop_predictions_total", {**target, "outcome": "ok"}, ok)
    lines += _series("ctloop_predictions_total", {**target, "outcome": "error"}, error)
    for le, share in (("0.05", 0.5), ("0.1", 1.0), ("+Inf", 1.0)):
        lines += _series("ctloop_predict_seconds_bucket", {**target, "le": le},
                         {i: v * share for i, v in ok.items()})
    return lines


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    lines = [
        *_pod(STABLE, "stable-a", {i: 200.0 * i for i in range(N)}, {i: 0.0 for i in range(N)}),
        *_pod(OLD, "old-a", {i: 98000.0 + 20 * (i - GAP) for i in range(GAP, N)},
              {i: 2000.0 for i in range(GAP, N)}),
    ]
    by_name: dict[str, list[str]] = {}
    for line in lines:
        by_name.setdefault(line.split("{")[0], []).append(line)
    text = "\n".join([*(part for name, series in by_name.items()
                        for part in (f"# TYPE {name} unknown", *series)), "# EOF", ""])
    with prometheus_with(text, tmp_path_factory.mktemp("prom")) as url:
        yield Prometheus(url)


def test_a_canary_first_scraped_after_a_gap_is_judged_on_the_window_only(prom):
    """Before (476ad7d): requests ~100150, errors 2000, 'error rate 1.96% > 1.00%', a rollback of a
    canary that answered every request of the window. Now: the ~150 answers between its samples,
    no error."""
    stats = get_source("ctloop").stats(prom, OLD, NS, "5m", AT)
    assert stats.requests < 200, stats
    assert stats.error_rate == 0.0, stats
    check = analysis.make_check(prom, canary_revision=lambda: OLD, stable_revision=lambda: STABLE,
                                namespace=NS, rules=CanaryRules(), source="ctloop", clock=lambda: AT)
    passed, reason, _ = check(5)
    assert passed, reason
