"""The reason of a canary with series but no request count in the window
(``analysis.no_data_reason``):

* no sample in a window of two scrape intervals or more (a canary scaled to zero, its pods no
  longer scraped) was told to set ``rollout.rules.window`` to 2m, shorter than the default 5m it
  had; it now says no scrape of its pods was in the window;
* the ``istio`` source's series are scraped by Istio's own monitor, yet the advice named ctloop's
  PodMonitor and its interval;
* the suggested window is SCRAPES_PER_WINDOW x PODMONITOR_INTERVAL, computed, and the reason
  docs/serving.md shows is the one given.

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
    with prometheus_with(sm.openmetrics(sm.history()), tmp_path_factory.mktemp("prom")) as url:
        yield Prometheus(url)


def seconds(value: str) -> int:
    return int(value[:-1]) * {"s": 1, "m": 60, "h": 3600}[value[-1]]


def reason(prom, source, window, at):
    check = analysis.make_check(
        prom,
        source=source,
        canary_revision=lambda: HEALTHY,
        stable_revision=lambda: sm.STABLE,
        namespace=sm.NS,
        rules=CanaryRules(window=window),
        clock=lambda: at,
    )
    passed, why, _ = check(5)
    assert not passed
    return why


def test_no_sample_in_a_long_window_is_no_scrape_not_a_short_window(prom):
    why = reason(prom, "ctloop", "5m", sm.AT + 900)  # 15 minutes after the last scrape
    assert "no sample in the 5m window" in why and "no scrape of its pods" in why, why
    assert "rollout.rules.window" not in why


def test_no_sample_in_a_window_under_two_scrapes_is_a_short_window(prom):
    why = reason(prom, "ctloop", "20s", sm.AT + 25)
    assert "0 sample(s) in the 20s window" in why and "rollout.rules.window" in why, why


def test_the_istio_advice_names_istios_monitor_not_ctloops(prom):
    why = reason(prom, "istio", "20s", sm.AT + 5)
    assert "1 sample(s) in the 20s window" in why, why
    assert "ctloop-inferenceservices" not in why and "Istio gateways" in why


def test_the_suggested_window_is_computed_and_documented(prom):
    per_window = analysis.SCRAPES_PER_WINDOW * seconds(PODMONITOR_INTERVAL)
    assert seconds(analysis.SUGGESTED_WINDOW) == per_window
    why = reason(prom, "ctloop", "20s", sm.AT + 5)
    assert f"every {PODMONITOR_INTERVAL}: {analysis.SUGGESTED_WINDOW})" in why
    assert why in DOCS.read_text(), why
