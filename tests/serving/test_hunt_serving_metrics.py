"""Canary analysis on hostile series in a real Prometheus (backfilled with promtool): counters
that reached +Inf, a blank revision name. Each must end in a failed check saying why in one
line, never a pass."""

from __future__ import annotations

import pytest

from ctloop.config import CanaryRules
from ctloop.serving import analysis
from ctloop.serving.metric_sources import Prometheus, get_source
from tests.fixtures.prometheus import prometheus_with

T0, STEP, N = 1_700_000_000, 30, 41
AT = T0 + (N - 1) * STEP
NS = "ml"
STABLE = "credit-predictor-00001"


def _ramp(per_step: float) -> list[str]:
    return [repr(float(i * per_step)) for i in range(N)]


def _openmetrics(revisions: dict[str, tuple[list[str], list[str]]]) -> str:
    """The ctloop runtime's series (serving/runtime.py) with the PodMonitor's namespace/revision
    labels: ``{revision or (namespace, revision): (ok counter values, error counter values)}``,
    one sample per STEP."""
    lines = ["# TYPE ctloop_predictions_total unknown"]
    buckets = ["# TYPE ctloop_predict_seconds_bucket unknown"]
    for key, (ok, err) in revisions.items():
        ns, revision = key if isinstance(key, tuple) else (NS, key)
        target = f'instance="{ns}-{revision}:8080",job="{ns}/ctloop-inferenceservices",namespace="{ns}"'
        for outcome, values in (("ok", ok), ("error", err)):
            labels = f'{{{target},outcome="{outcome}",revision="{revision}"}}'
            lines += [f"ctloop_predictions_total{labels} {v} {T0 + i * STEP}" for i, v in enumerate(values)]
        for le, per in (("0.05", 5), ("0.1", 10), ("+Inf", 10)):
            labels = f'{{{target},le="{le}",revision="{revision}"}}'
            buckets += [f"ctloop_predict_seconds_bucket{labels} {v} {T0 + i * STEP}"
                        for i, v in enumerate(_ramp(per))]
    return "\n".join([*lines, *buckets, "# EOF", ""])


INF_REQUESTS = "credit-predictor-00002"  # the ok counter jumps to +Inf (a corrupt exporter)
INF_BOTH = "credit-predictor-00003"  # both counters +Inf: the error rate is inf/inf = NaN
OTHER = "credit-predictor-00004"  # a healthy revision of another InferenceService in the namespace


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    series = {
        STABLE: (_ramp(10), _ramp(0)),
        INF_REQUESTS: (_ramp(10)[:-3] + ["+Inf"] * 3, _ramp(1)),
        INF_BOTH: (_ramp(10)[:-3] + ["+Inf"] * 3, _ramp(1)[:-3] + ["+Inf"] * 3),
        OTHER: (_ramp(10), _ramp(0)),
        ("team-b", STABLE): (_ramp(10), _ramp(5)),  # the same revision name in another namespace
    }
    with prometheus_with(_openmetrics(series), tmp_path_factory.mktemp("prom")) as url:
        yield Prometheus(url)


def _check(prom, canary: str, stable: str = STABLE):
    check = analysis.make_check(prom, canary_revision=lambda: canary, stable_revision=lambda: stable,
                                namespace=NS, rules=CanaryRules(), source="ctloop", clock=lambda: AT)
    return check(5)


@pytest.mark.slow
@pytest.mark.parametrize("canary", [INF_REQUESTS, INF_BOTH])
def test_a_counter_at_infinity_fails_the_check_instead_of_passing(prom, canary):
    """increase() of a counter that reached +Inf is +Inf: the canary passed "over inf requests"
    with error rate 0.00 % (or nan %, and NaN > 1 % is false)."""
    passed, reason, measured = _check(prom, canary)
    assert not passed, reason
    assert "not a finite number" in reason and canary in reason, reason


@pytest.mark.slow
def test_a_blank_canary_revision_is_no_data_not_the_whole_namespace(prom):
    """A revision "" matched every revision of the namespace: the canary was judged on the
    healthy traffic of other revisions (and the stable's p99 on everything, canary included)."""
    stats = get_source("ctloop").stats(prom, "", NS, "5m", AT)
    assert (stats.requests, stats.error_rate, stats.p99_seconds) == (None, None, None)
    passed, reason, _ = _check(prom, "")
    assert not passed and "no canary revision" in reason, reason
    passed, reason, measured = _check(prom, OTHER, stable="")
    assert measured["stable_p99_seconds"] is None, measured


@pytest.mark.slow
def test_a_blank_namespace_does_not_mix_two_namespaces_revisions_of_one_name(prom):
    """Knative names revisions <configuration>-<n>: the same InferenceService name in two
    namespaces has revisions of the same name. Without a namespace matcher their traffic was
    summed (here a third of it 5xx, from team-b)."""
    assert get_source("ctloop").stats(prom, STABLE, NS, "5m", AT).error_rate == 0.0
    stats = get_source("ctloop").stats(prom, STABLE, "", "5m", AT)
    assert (stats.requests, stats.error_rate, stats.p99_seconds) == (None, None, None)
