"""A canary judged on a quiet night is held, not promoted or rolled back on noise (round 61).

Seen on main: a window with too few requests to judge (``rollout.rules.min_requests``, default 50) or a
canary whose counters recorded none in it was a failed check (``analysis.judge``: "too few requests to
judge", "no data ... (no requests recorded in the window)"), and with ``max_failed_checks`` 1 the analysis
decided ``rollback``: a good canary rolled back because nobody called the service at 3 am. The same held
for the quality check's too little logged traffic (``quality_rules.min_rows``).

Now a check with too little traffic on the whole service and no evidence either way — the canary under
``min_requests`` with none of its requests failing a rule, and the stable's requests at the canary's share
making fewer than ``min_requests`` too (``analysis.quiet_window``) — is judged again at its share while the
step's timeout lasts, then stops the walk there and the analysis decides ``hold``: the audit record says
``held_for: too little evidence``, ``ctloop rollout status`` names it and how it is judged again (the rollout
pipeline run for the version again: ``rollout.deploy`` resumes a canary already in the spec at the plan's
first step; or by hand), bounded by ``rollout.max_holds`` (tests/serving/test_r61_fixcl_hold.py). A canary with
no requests beside a stable with traffic (``analysis.silent_floor``), with no series at all, or at 100 % is a
failed check as before (a crashing canary records nothing; missing series are missing monitoring).

Flagger also halts advancement when a metric query returns no values ("Halt advancement no values found"),
but its metric check returns false then, a failed check, so ``analysis.threshold`` quiet intervals roll the
canary back; ctloop holds without counting it, at most ``rollout.max_holds`` times.
"""

from __future__ import annotations

import pytest

from ctloop.components.deploy.component import deploy_canary
from ctloop.config import CanaryRules, RolloutConfig
from ctloop.registry import MlflowRegistry
from ctloop.serving import analysis, release
from ctloop.serving.kube import InferenceServices
from ctloop.serving.metric_sources import RevisionStats
from tests.serving.test_rollout_components import ISVC, MODEL, NS, RELEASE, kube, registered

__all__ = ["kube", "registered"]

RULES = CanaryRules()  # min_requests 50
QUIET = "no data for canary revision c (no requests recorded in the window)"


def _stats(name: str, requests: float) -> RevisionStats:
    return RevisionStats(name, requests, 0.0 if requests else None, 0.05 if requests else None)


@pytest.mark.parametrize(("canary", "stable", "percent", "no_data", "held"), [
    (3, 40, 5, None, True),          # a quiet night: 40 stable requests make ~2 at 5 %
    (0, 10, 5, QUIET, True),         # counters there, nothing counted on either side
    (12, 300, 25, None, False),      # 300 stable requests make 100 at 25 %: 12 is suspicious, a failed check
    (0, 59, 5, QUIET, False),        # 0.95^59 = 0.048 < 5 %: a routing failure (analysis.share_tail)
    (0, 58, 5, QUIET, True),         # 0.95^58 = 0.051: a healthy canary may have missed them all
    (49, 949, 5, None, True),        # 49 of 998 at 5 %: normal for its share, held
    (49, 950, 5, None, True),        # 49 of 999 (49.95 expected): a healthy canary, held (second review H1)
    (1, 940, 5, None, False),        # 1 of 941 (47 expected, P ~ 1e-19): a routing failure (second review H2)
    (0, 10, 5, "no data: no ctloop metrics for either revision (c, s)", False),  # no series: monitoring missing
    (20, 0, 100, None, False),       # at 100 % there is no stable to go by: under the minimum, a failed check
])
def test_judge_marks_only_a_quiet_window_as_insufficient(canary, stable, percent, no_data, held):
    passed, why, measured = analysis.judge(_stats("c", canary), _stats("s", stable), RULES, no_data=no_data,
                                           percent=percent)
    assert passed is False
    assert (measured.get(analysis.EVIDENCE) == analysis.INSUFFICIENT) is held, (why, measured)
    assert why.startswith("too little traffic to judge") is held, why


def _canary_at_5(kube, uri):
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    return deploy_canary.python_func(model_name=MODEL, version="2", rollout=RELEASE, tracking_uri=uri,
                                     pipeline_run_id="r9")


def test_a_quiet_canary_is_held_at_its_share_and_status_says_why(registered, kube, capsys):
    from ctloop.cli import main

    uri, _ = registered
    deployed = _canary_at_5(kube, uri)
    cfg = RolloutConfig.from_dict({**RELEASE, "interval_seconds": 1})
    seen = []

    def quiet_night(percent):  # the real rules on a window of 3 canary and 40 stable requests
        seen.append(percent)
        return analysis.judge(_stats(deployed.latest_revision, 3), _stats(deployed.previous_revision, 40),
                              cfg.rules, percent=percent)

    reg = MlflowRegistry(uri)
    result = release.analyze(reg, InferenceServices(NS, api_client=kube.api_client()), model_name=MODEL,
                             version="2", cfg=cfg, deploy_action=deployed.action,
                             canary_revision=deployed.latest_revision, stable_revision=deployed.previous_revision,
                             run_id="r9", check=quiet_night)
    assert result.decision == "hold", result  # was: rollback
    # judged again at its share while the step's timeout lasts (timeout_seconds 10 / interval_seconds 1)
    assert seen == [5] * 10 and "too little traffic to judge" in result.reason, seen
    assert "run the rollout pipeline for this version again" in result.reason and "max_holds 3" in result.reason
    assert kube.objects[(NS, ISVC)]["spec"]["predictor"]["canaryTrafficPercent"] == 5  # the split kept
    records = reg.audit_log(MODEL)
    held = [r for r in records if r["event"] == "analysis"]
    assert held[-1]["decision"] == "hold" and held[-1]["held_for"] == release.INSUFFICIENT_EVIDENCE, held[-1]
    last = release.last_decision(records, ISVC, NS)
    assert last["decided"].startswith("hold (too little evidence"), last
    assert reg.champion(MODEL).version == "1"
    capsys.readouterr()
    assert main(["rollout", "status", "--isvc", ISVC, "--namespace", NS, "--model-name", MODEL,
                 "--tracking-uri", uri]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "last decision: v2 analysis: hold (too little evidence: the canary keeps its share until the rollout " \
        "pipeline runs this version again" in out, out
    assert "  5 %  " in out, out


def test_a_stable_with_traffic_beside_a_silent_canary_still_rolls_back(registered, kube):
    uri, _ = registered
    deployed = _canary_at_5(kube, uri)
    cfg = RolloutConfig.from_dict({**RELEASE, "interval_seconds": 1})
    result = release.analyze(
        MlflowRegistry(uri), InferenceServices(NS, api_client=kube.api_client()), model_name=MODEL, version="2",
        cfg=cfg, deploy_action=deployed.action, canary_revision=deployed.latest_revision,
        stable_revision=deployed.previous_revision, run_id="r9",
        check=lambda percent: analysis.judge(_stats(deployed.latest_revision, 0), _stats("s", 59), cfg.rules,
                                             no_data=QUIET, percent=percent))
    assert result.decision == "rollback" and "no requests recorded" in result.reason, result
    assert "probability 0.048, under 0.05: a routing failure" in result.reason, result


def test_quality_with_too_little_logged_traffic_is_insufficient_evidence():
    # 30 logged rows a side (< quality_rules.min_rows 200): was a failed check like any, the canary rolled back
    import numpy as np
    import pandas as pd

    p = np.random.default_rng(3).uniform(size=60)
    logs = pd.DataFrame({"request_id": [f"r{i}" for i in range(60)], "revision": ["stable", "canary"] * 30,
                         "time": "2026-01-01T00:00:00+00:00", "prediction_0": 1 - p, "prediction_1": p})
    ok, why, measured = analysis.quality_check(logs, None, canary_revision="canary", stable_revision="stable",
                                               percent=5)
    assert not ok and why.startswith("too little logged traffic to judge quality"), why
    assert measured[analysis.EVIDENCE] == analysis.INSUFFICIENT
