"""What each canary step records in the KFP Metrics of analyze_canary (``release.step_metrics``).

Round 57: the steps' Metrics carried the canary's 5xx share but neither 4xx share, though the 4xx
rule (round 56) compares the canary's with the stable's and rolls canaries back on it: a rollback
"4xx share 60.00% vs stable 2.00%" showed no 4xx number in the run's Metrics. The step here is the
one :func:`ctloop.serving.analysis.judge` measures (no Prometheus: its measurements as given).
"""

from __future__ import annotations

import pytest

from ctloop.config import CanaryRules
from ctloop.serving.analysis import judge
from ctloop.serving.metric_sources import RevisionStats
from ctloop.serving.release import Analysis, step_metrics
from tests.helpers import counting_revision


def _step(percent, canary, stable):
    passed, reason, measured = judge(canary, stable, CanaryRules())
    return {"percent": percent, "passed": passed, "reason": reason, **measured}


def test_each_step_records_both_4xx_shares_beside_the_5xx_share():
    canary = counting_revision(
        "credit-predictor-00003", 188.0, 0.0, client_error_rate=0.6, client_requests=150.0,
        failed_requests=0.0, failed_instance_share=0.0,
    )  # fmt: skip
    stable = counting_revision(
        "credit-predictor-00001", 3000.0, 0.0, client_error_rate=0.02, client_requests=3000.0
    )
    step = _step(5, canary, stable)
    assert not step["passed"] and step["reason"].startswith("4xx share 60.00% vs stable 2.00%"), (
        step
    )
    assert step_metrics(Analysis("rollback", step["reason"], [step])) == {
        "step_5.canary_requests": 188.0,
        "step_5.canary_error_rate": 0.0,
        "step_5.canary_failed_instance_share": 0.0,
        "step_5.canary_failed_instance_share_bound": 0.0,
        "step_5.canary_client_error_rate": 0.6,
        "step_5.stable_client_error_rate": 0.02,
        "step_5.canary_p99_seconds": 0.1,
    }


def test_a_step_without_a_stable_share_records_the_canary_share_alone():
    """The 100 % step: no stable traffic, the 4xx rule skipped; the canary's share is still a number."""
    canary = RevisionStats(
        "credit-predictor-00003", 600.0, 0.0, 0.1, client_error_rate=0.05, client_requests=600.0
    )
    stable = RevisionStats("credit-predictor-00001", None, None, None)
    step = _step(100, canary, stable)
    assert step["passed"] and step["client_error_rule"] == "skipped", step
    assert step_metrics(Analysis("promote", step["reason"], [step])) == {
        "step_100.canary_requests": 600.0,
        "step_100.canary_error_rate": 0.0,
        "step_100.canary_client_error_rate": 0.05,
        "step_100.canary_p99_seconds": 0.1,
    }


def test_the_large_batch_bound_is_recorded_when_the_request_error_rate_already_failed():
    """Round 57 review: the bound that decides the 5xx rule's large-batch check was written only
    when the request error rate passed (an ``elif``), and step_metrics left it out: a step failed on
    6 of 150 requests holding 80 % of the instances showed the share but not its bound."""
    canary = counting_revision(
        "credit-predictor-00003", 3095.0, 0.04, client_requests=150.0, failed_requests=6.0,
        failed_instance_share=0.8,
    )  # fmt: skip
    stable = counting_revision("credit-predictor-00001", 3000.0, 0.0, client_requests=3000.0)
    step = _step(5, canary, stable)
    assert not step["passed"] and step["reason"].startswith("error rate 4.00% > 1.00%"), step
    metrics = step_metrics(Analysis("rollback", step["reason"], [step]))
    # Wilson-Hilferty at 99 %: 6 failed requests are at least 0.29395 of 6 (exact Poisson 0.29755)
    assert metrics["step_5.canary_failed_instance_share_bound"] == pytest.approx(0.8 * 0.29395, abs=1e-5), metrics
