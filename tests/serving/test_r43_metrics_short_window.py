"""``rollout.rules.window`` shorter than two scrape intervals (the PodMonitor scrapes every 30 s):
``increase()`` over a window holding one sample of a series is empty, so a canary serving 2
answers a second was failed (and rolled back) as "no requests recorded in the window", which
sent the user looking for missing traffic. Now the reason says the window holds fewer than two
samples and what to set.

A real Prometheus 2.42 holds the series of tests/fixtures/serving_metrics.py (one sample every
30 s, as the PodMonitor scrapes).
"""

import pytest

from ctloop.config import CanaryRules
from ctloop.serving import analysis
from ctloop.serving.analysis import Prometheus
from tests.fixtures import serving_metrics as sm
from tests.fixtures.prometheus import prometheus_with

pytestmark = pytest.mark.slow

HEALTHY = sm.SCENARIO[1].revision


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    with prometheus_with(sm.openmetrics(sm.history()), tmp_path_factory.mktemp("prom")) as url:
        yield Prometheus(url)


def decide(prom, source, window, at=sm.AT):
    check = analysis.make_check(
        prom,
        source=source,
        canary_revision=lambda: HEALTHY,
        stable_revision=lambda: sm.STABLE,
        namespace=sm.NS,
        rules=CanaryRules(window=window),
        clock=lambda: at,
    )
    return check(5)


@pytest.mark.parametrize("source", ["ctloop", "knative-otel", "istio"])
def test_a_window_of_one_sample_says_so(prom, source):
    passed, reason, _ = decide(prom, source, "20s", sm.AT + 5)
    assert not passed
    assert "1 sample(s) in the 20s window" in reason and "rollout.rules.window" in reason, reason
    assert "no requests recorded" not in reason


def test_a_window_of_two_samples_is_judged(prom):
    passed, reason, _ = decide(prom, "ctloop", "1m")
    assert passed, reason
