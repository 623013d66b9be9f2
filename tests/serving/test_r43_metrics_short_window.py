"""The reason of a canary with series but fewer than two samples of them in the window
(``analysis.no_data_reason``):

* ``rollout.rules.window`` shorter than two scrape intervals (the PodMonitor scrapes every 30 s):
  ``increase()`` over a window holding one sample of a series is empty, so a canary serving 2
  answers a second was failed (and rolled back) as "no requests recorded in the window", which
  sent the user looking for missing traffic. Now the reason says the window holds fewer than two
  samples and what to set;
* no sample, or one, in a window of two scrape intervals or more (a canary scaled to zero, its
  pods no longer scraped or just started) was told to set ``rollout.rules.window`` to 2m,
  shorter than the default 5m it had; it now says how often its pods were scraped in the window
  (fix43a: no sample; fix43a2: one sample);
* the ``istio`` source's series are scraped by Istio's own monitor, yet the advice named
  ctloop's PodMonitor and its interval; and they come from the gateways, still scraped when a
  canary scales to zero, yet too few samples in a long window was put down to a scale to zero;
* the suggested window is SCRAPES_PER_WINDOW x PODMONITOR_INTERVAL, computed, and the reasons
  docs/serving.md shows are the ones given.

A real Prometheus 2.42 holds the series of tests/fixtures/serving_metrics.py (one sample every
30 s, as the PodMonitor scrapes; none after sm.AT).
"""

from pathlib import Path

import pytest

from ctloop.config import CanaryRules
from ctloop.serving import analysis
from ctloop.serving.analysis import Prometheus
from ctloop.serving.metric_sources import PODMONITOR_INTERVAL
from tests.fixtures import serving_metrics as sm
from tests.fixtures.prometheus import prometheus_with

pytestmark = pytest.mark.slow

HEALTHY = sm.SCENARIO[1].revision
DOCS = Path(__file__).resolve().parents[2] / "docs" / "serving.md"


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    with prometheus_with(sm.history_openmetrics(), tmp_path_factory.mktemp("prom")) as url:
        yield Prometheus(url)


def seconds(value: str) -> int:
    return int(value[:-1]) * {"s": 1, "m": 60, "h": 3600}[value[-1]]


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


def reason(prom, source, window, at):
    passed, why, _ = decide(prom, source, window, at)
    assert not passed
    return why


@pytest.mark.parametrize("source", ["ctloop", "knative-otel", "istio"])
def test_a_window_of_one_sample_says_so(prom, source):
    passed, reason, _ = decide(prom, source, "20s", sm.AT + 5)
    assert not passed
    assert "1 sample(s) in the 20s window" in reason and "rollout.rules.window" in reason, reason
    assert "no requests recorded" not in reason


def test_a_window_of_two_samples_is_judged(prom):
    passed, reason, _ = decide(prom, "ctloop", "1m")
    assert passed, reason


def test_no_sample_in_a_long_window_is_no_scrape_not_a_short_window(prom):
    why = reason(prom, "ctloop", "5m", sm.AT + 900)  # 15 minutes after the last scrape
    assert "0 sample(s) in the 5m window" in why and "its pods were scraped 0 time(s)" in why, why
    assert "rollout.rules.window" not in why


@pytest.mark.parametrize(("window", "after"), [("5m", 285), ("10m", 585)])
def test_one_sample_in_a_long_window_is_one_scrape_not_a_short_window(prom, window, after):
    why = reason(prom, "ctloop", window, sm.AT + after)  # the window holds the last scrape alone
    assert (
        f"1 sample(s) in the {window} window" in why and "its pods were scraped 1 time(s)" in why
    ), why
    assert "rollout.rules.window" not in why and "shorter than two scrape intervals" not in why


@pytest.mark.parametrize(("source", "pods"), [("knative-otel", True), ("istio", False)])
def test_too_few_scrapes_in_a_long_window_is_worded_for_who_is_scraped(prom, source, pods):
    why = reason(prom, source, "5m", sm.AT + 900)
    assert "0 sample(s) in the 5m window" in why and "rollout.rules.window" not in why, why
    # the queue-proxy's series come from the revision's pods; Istio's from the gateways, which
    # are still scraped when a canary scales to zero
    assert ("its pods were scraped 0 time(s)" in why) is pods, why
    assert ("scaled to zero" in why) is pods and ("Istio gateways" in why) is not pods, why


def test_no_sample_in_a_window_under_two_scrapes_is_a_short_window(prom):
    why = reason(prom, "ctloop", "20s", sm.AT + 25)
    assert "0 sample(s) in the 20s window" in why and "rollout.rules.window" in why, why


def test_the_istio_advice_names_istios_monitor_not_ctloops(prom):
    why = reason(prom, "istio", "20s", sm.AT + 5)
    assert "1 sample(s) in the 20s window" in why, why
    assert "ctloop-inferenceservices" not in why and "Istio gateways" in why


def test_the_suggested_window_is_computed_and_the_reasons_documented(prom):
    per_window = analysis.SCRAPES_PER_WINDOW * seconds(PODMONITOR_INTERVAL)
    assert seconds(analysis.SUGGESTED_WINDOW) == per_window
    why = reason(prom, "ctloop", "20s", sm.AT + 5)
    assert f"every {PODMONITOR_INTERVAL}: {analysis.SUGGESTED_WINDOW})" in why
    docs = DOCS.read_text()
    for given in (
        why,
        reason(prom, "istio", "20s", sm.AT + 5),
        reason(prom, "ctloop", "5m", sm.AT + 900),
        reason(prom, "ctloop", "5m", sm.AT + 285),
        reason(prom, "istio", "5m", sm.AT + 900),
    ):
        assert given in docs, given
