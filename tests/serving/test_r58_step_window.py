"""Round 58: a canary step shorter than the window its check judges is warned about.

Each step of the canary waits ``rollout.interval_seconds`` and then judges the last
``rollout.rules.window`` of both revisions (``analysis.make_check``). With a step of 60 s and the
default window of 5m, four of the five minutes judged at the end of each step are the previous
step's traffic (the first step's: minutes with no canary traffic at all): the check lags the
plan, and nothing said so. A warning (not a refusal: such a step is still judged on the canary's
own requests only, and demos and tests step every few seconds on purpose) names both fields
and the values, once, before the first step. docs/serving.md says how the step, the check's
window and the recording rules' fixed 5 minutes relate.
"""

from __future__ import annotations

import pytest

from ctloop.config import CanaryRules, RolloutConfig
from ctloop.serving import analysis, release
from ctloop.serving.metric_sources import PODMONITOR, PODMONITOR_INTERVAL, format_range, range_ms
from tests.helpers import REPO
from tests.manifests.support import MANIFESTS, load_all_strict


def build(interval_s: float, window: str, **kwargs) -> None:
    analysis.make_check(
        analysis.Prometheus("http://127.0.0.1:9"),  # never asked: no step is judged here
        canary_revision=lambda: "credit-predictor-00002",
        stable_revision=lambda: "credit-predictor-00001",
        namespace="ml",
        rules=CanaryRules(window=window),
        interval_s=interval_s,
        **kwargs,
    )


def scrape_interval() -> str:
    """The PodMonitor's scrape interval, as manifests/components/monitoring/podmonitor.yaml sets it
    for every endpoint (the one ctloop.serving.metric_sources.PODMONITOR_INTERVAL states)."""
    (monitor,) = [
        d
        for d in load_all_strict((MANIFESTS / "components/monitoring/podmonitor.yaml").read_text())
        if d["metadata"]["name"] == PODMONITOR
    ]
    (interval,) = {e["interval"] for e in monitor["spec"]["podMetricsEndpoints"]}
    assert interval == PODMONITOR_INTERVAL
    return interval


def test_a_step_shorter_than_the_window_is_warned_about_once(capsys):
    build(60, "5m")
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "ctloop: WARNING: rollout.interval_seconds 60 is shorter than rollout.rules.window 5m: the "
        "check at the end of each step also judges the 240 s before the step began (the previous "
        "step's traffic share; before the first step, no canary traffic); set interval_seconds to "
        "at least 300 to judge each step on its own traffic (docs/serving.md#step-interval-and-windows)"
    ]


@pytest.mark.parametrize(
    ("interval_s", "window"), [(300, "5m"), (600, "5m"), (120, "2m"), (0, "5m")]
)
def test_no_warning_when_each_step_fills_its_window(capsys, interval_s, window):
    """``interval_s`` 0 is a check that does not wait (tests and callers that pace it)."""
    build(interval_s, window)
    assert capsys.readouterr().err == ""


def test_docs_relate_the_step_the_window_and_the_recording_rules():
    text = (REPO / "docs" / "serving.md").read_text()
    assert "\n### Step interval and windows\n" in text
    section = text.split("\n### Step interval and windows\n", 1)[1].split("\n## ", 1)[0]
    for needed in ("interval_seconds", "rules.window", "ctloop:request_rate:rate5m", "for: 5m"):
        assert needed in section, needed


def test_blue_green_steps_are_not_told_of_a_previous_share(capsys):
    """Blue-green judges 100 % at every step: the time before a step is the same 100 %, judged
    again, not "the previous step's traffic share". Through release.live_check, which the
    analyze_canary component calls."""
    cfg = RolloutConfig(
        inference_service="credit",
        namespace="ml",
        strategy="blue-green",
        interval_seconds=60,
        prometheus_url="http://127.0.0.1:9",
    )
    release.live_check(
        None,
        cfg,
        model_name="credit-model",
        version="2",
        canary_revision="credit-predictor-00002",
        stable_revision="credit-predictor-00001",
    )
    assert capsys.readouterr().err.splitlines() == [
        "ctloop: WARNING: rollout.interval_seconds 60 is shorter than rollout.rules.window 5m: the "
        "check at the end of each step also judges the 240 s before the step began (blue-green: the "
        "same 100 % the step before was judged on; before the first step, no canary traffic); set "
        "interval_seconds to at least 300 to judge each step on its own traffic "
        "(docs/serving.md#step-interval-and-windows)"
    ]


@pytest.mark.parametrize(("seconds", "every"), [(-1, "some checks"), (-31, "every check")])
def test_a_window_below_two_scrape_intervals_is_warned_about_once(capsys, seconds, every):
    """A window under two of the PodMonitor's scrape intervals holds fewer than the two samples
    of a series increase() needs at some checks (below one interval: at every check): "no
    data", a failed check, the canary rolled back whatever its traffic."""
    window = format_range(2 * range_ms(scrape_interval()) + 1000 * seconds)
    build(0, window)
    assert capsys.readouterr().err.splitlines() == [
        f"ctloop: WARNING: rollout.rules.window {window} is shorter than two scrape intervals of the "
        f"PodMonitor {PODMONITOR} ({PODMONITOR_INTERVAL} as shipped): increase() needs two samples of "
        f"a series in the window and at that interval it holds fewer at {every}, which is then "
        '"no data", a failed check that rolls the canary back; set rollout.rules.window to at least '
        "2m, unless your PodMonitor scrapes faster (docs/serving.md#metric-sources)"
    ]


@pytest.mark.parametrize(("window", "source"), [("1m", None), ("20s", "istio")])
def test_no_scrape_warning_from_two_intervals_or_for_another_monitor(capsys, window, source):
    """Two intervals (``1m``) can hold two samples; the ``istio`` source's series are scraped by
    Istio's own monitor, at an interval ctloop does not know before it asks (the check's "no
    data" reason measures it)."""
    assert range_ms(window) == 2 * range_ms(scrape_interval()) or source
    build(0, window, source=source)
    assert capsys.readouterr().err == ""


def test_docs_show_the_warnings_as_printed(capsys):
    """docs/serving.md#step-interval-and-windows shows both warnings as make_check prints them."""
    text = (REPO / "docs" / "serving.md").read_text()
    for interval_s, window in ((60, "5m"), (0, "20s")):
        build(interval_s, window)
        (line,) = capsys.readouterr().err.splitlines()
        assert f"\n{line}\n" in text, line
