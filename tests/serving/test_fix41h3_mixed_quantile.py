"""The p99 of a revision whose latency histogram is classic on some pods and native on others.

Fix round 41 took the larger of the two kinds' p99s: never below the p99 of their union, but a
handful of slow answers on the native kind failed a healthy canary. A real Prometheus 2.42
(``--enable-feature=native-histograms``; the set-up of tests/serving/test_fix41f_mixed_histograms.py,
whose protobuf encoding is tests/serving/test_r41_metrics_native_histograms.py's) scrapes a canary
with one classic pod (160 answers/s at 50 ms) and one native pod answering 0.4/s at 1.5 s: 0.25 % of
its answers, so the union's p99 is fast; it was reported as "p99 latency 1990 ms > 500 ms". The
stable revision is read the same way, so the "at most 2x the stable's p99" rule was loosened too.

Now the union's quantile is bounded by splitting the (1-q)·N answers allowed above it between the
kinds (``MetricSource._union_quantile``): a kind with fewer answers than the budget adds nothing.
A canary whose native pod holds 4 % of the answers, all slow, still fails: its union p99 is slow.
"""

from __future__ import annotations

import pytest

from ctloop.config import CanaryRules
from ctloop.serving import analysis
from tests.conftest import *  # noqa: F403
from tests.serving import test_fix41f_mixed_histograms as mixed

NS, CONFIG = mixed.NS, mixed.CONFIG
STABLE, FEW, MANY = (f"{CONFIG}-0001{i}" for i in (1, 2, 3))
RULES = CanaryRules(window="1m", min_requests=20)
# (revision, pod, format, 5xx share, latency s) of every pod, and its answers per second: the
# shares above (0.25 % and 4 %) at 16x the rates of 40/s and scraped every 250 ms, so 8 scrapes
# hold as many answers as 30 one-second scrapes did at 40/s (the few pod's ~3 slow answers, below
# the union's 1 % budget of ~13; the many pod's ~50, above it) and the module waits 2 s for
# Prometheus instead of 30 (the time base scaled: answers per scrape are unchanged)
PODS = [(STABLE, "a", "classic", 0.0, 0.05),
        (FEW, "a", "classic", 0.0, 0.05), (FEW, "b", "native", 0.0, 1.5),
        (MANY, "a", "classic", 0.0, 0.05), (MANY, "b", "native", 0.0, 1.5)]
RATE = [640, 640, 1.6, 640, 25.6]
SCRAPE = "250ms"


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    with mixed.scraped(tmp_path_factory.mktemp("mixedq"), PODS, RATE, samples=8, timeout=120,
                       interval=SCRAPE) as prometheus:
        yield prometheus


def _decide(prom, source: str, canary: str):
    check = analysis.make_check(prom, source=source, canary_revision=lambda: canary, stable_revision=lambda: STABLE,
                                namespace=NS, rules=RULES)
    return check(5)


def test_the_premise_the_slow_pod_is_native(prom):
    assert prom.scalar("count(histogram_count(ctloop_predict_seconds))") == 2
    assert prom.scalar("count(ctloop_predict_seconds_count)") == 3


@pytest.mark.parametrize("source", ["ctloop", "knative-otel"])
def test_a_few_slow_native_answers_do_not_fail_a_healthy_canary(prom, source):
    passed, why, measured = _decide(prom, source, FEW)
    assert passed, why
    # 99.75 % of the answers took 50 ms (bucket le=0.1): the union's p99 is in that bucket
    assert measured["canary_p99_seconds"] <= 0.1, measured
    assert measured["canary_p99_seconds"] <= 2 * measured["stable_p99_seconds"], measured


@pytest.mark.parametrize("source", ["ctloop", "knative-otel"])
def test_a_slow_native_pod_with_four_percent_of_the_answers_still_fails(prom, source):
    passed, why, measured = _decide(prom, source, MANY)
    assert not passed, why
    assert "p99 latency" in why, why
    assert measured["canary_p99_seconds"] > 0.5, measured
