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

from ctloop.config import CanaryRules
from ctloop.serving import analysis
from tests.helpers import REPO


def build(interval_s: float, window: str) -> None:
    analysis.make_check(
        analysis.Prometheus("http://127.0.0.1:9"),  # never asked: no step is judged here
        canary_revision=lambda: "credit-predictor-00002",
        stable_revision=lambda: "credit-predictor-00001",
        namespace="ml",
        rules=CanaryRules(window=window),
        interval_s=interval_s,
    )


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
