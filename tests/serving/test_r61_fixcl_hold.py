"""Review of round 61's canary hold (merged as bae69e6e): a hold is only for no evidence either way, and bounded.

Seen on main (``analysis.judge``, ``rollout.walk_plan``, ``release.analyze``, default ``CanaryRules``:
min_requests 50, window 5m):

* H1 a canary failing every one of its few requests was held: under ``min_requests`` judge recorded only "too
  few requests" and never looked at the error rate or p99 (5 of 5 5xx at p99 2 s beside 40 stable requests at
  5 %; 49 of 49 5xx beside 900);
* H2 a canary with no requests beside a stable that had some was held whenever the stable stayed under
  ``min_requests`` × 95 / 5 = 950 requests a window at 5 % (a crash-looping canary, a broken route);
* H3 at 100 % any window under ``min_requests`` held, the unjudged model serving all traffic;
* H4 nothing bounded the holds, and the first quiet window stopped the walk;
* M1 a failed check was forgotten when a later window was quiet (``max_failed_checks`` 2);
* M2 a canary with no logged rows beside a stable with thousands was held (a broken logger);
* M3 ``NotDrivable`` ("nothing written") was raised by the wait after a write too, skipping deploy's undo;
* L1 ``held_for`` was set from a substring of the reason; L3 a held step showed "NO" like a failure.

Flagger (``pkg/controller/scheduler_metrics.go``, v1.41: "no values found" is a failed check, rolled back at
``analysis.threshold``) and Argo Rollouts (an inconclusive analysis pauses, bounded by ``inconclusiveLimit``)
both bound the wait; ctloop's bound is ``rollout.max_holds`` (default 3), counted from the audit log.
"""

from __future__ import annotations

import math

import pytest

from ctloop.components.deploy.component import deploy_canary
from ctloop.config import CanaryRules, RolloutConfig
from ctloop.errors import ServingError
from ctloop.registry import MlflowRegistry
from ctloop.serving import analysis, release, rollout
from ctloop.serving.isvc import NotDrivable
from ctloop.serving.kube import InferenceServices
from ctloop.serving.metric_sources import RevisionStats
from tests.serving.test_rollout_components import ISVC, MODEL, NS, RELEASE, kube, registered

__all__ = ["kube", "registered"]

RULES = CanaryRules()  # min_requests 50
QUIET = "no data for canary revision c (no requests recorded in the window)"


def _ok(name: str, requests: float) -> RevisionStats:
    return RevisionStats(name, requests, 0.0 if requests else None, 0.05 if requests else None)


def _failing(name: str, requests: float, p99: float = 0.05) -> RevisionStats:
    return RevisionStats(name, requests, 1.0, p99)


@pytest.mark.parametrize(("canary", "stable"), [
    (_failing("c", 5, p99=2.0), _ok("s", 40)),   # the review's probe: 5 of 5 5xx, p99 2 s, 40 stable at 5 %
    (_failing("c", 49), _ok("s", 900)),          # 49 of 49 5xx, 900 stable (under the old 950 threshold)
])
def test_few_requests_all_failing_is_a_failed_check_not_a_hold(canary, stable):
    passed, why, measured = analysis.judge(canary, stable, RULES, percent=5)
    assert passed is False and analysis.EVIDENCE not in measured, (why, measured)  # was: insufficient, held
    assert why.startswith("error rate 100.00% > 1.00%") and "fewer than min_requests 50" in why, why


def test_few_healthy_requests_still_never_pass():
    # 49 of 999 at 5 % is normal for the share: held (second review H1), never passed
    passed, why, measured = analysis.judge(_ok("c", 49), _ok("s", 950), RULES, percent=5)
    assert passed is False and measured[analysis.EVIDENCE] == analysis.INSUFFICIENT, why
    assert "too few requests to judge: 49 < 50" in why, why
    passed, why, measured = analysis.judge(_ok("c", 30), _ok("s", 950), RULES, percent=5)
    assert passed is False and analysis.EVIDENCE not in measured and why.startswith("too few requests"), why


def test_share_tail_at_zero_is_the_old_silent_floor():
    # (1 - p)^N: the chance a canary at share p misses all N requests (analysis.share_tail's zero case)
    for percent, floor in ((5, 58.4), (25, 10.4), (50, 4.3)):
        assert analysis.share_tail(0, math.floor(floor), percent) >= analysis.SHARE_ALPHA
        assert analysis.share_tail(0, math.ceil(floor), percent) < analysis.SHARE_ALPHA


@pytest.mark.parametrize("canary", [_failing("c", 40), _ok("c", 40)])
def test_judge_never_holds_at_100(canary):
    passed, why, measured = analysis.judge(canary, RevisionStats("s", 0, None, None), RULES, percent=100)
    assert passed is False and analysis.EVIDENCE not in measured, (why, measured)


def _canary_at_5(kube, uri):
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    return deploy_canary.python_func(model_name=MODEL, version="2", rollout=RELEASE, tracking_uri=uri,
                                     pipeline_run_id="r9")


def _analyze(kube, uri, deployed, cfg, by_step):
    """release.analyze with the real rules on the windows ``by_step(percent, n)`` gives (n: the check's count)."""
    seen = []

    def check(percent):
        seen.append(percent)
        canary, stable = by_step(percent, len(seen))
        return analysis.judge(canary, stable, cfg.rules, percent=percent)

    result = release.analyze(MlflowRegistry(uri), InferenceServices(NS, api_client=kube.api_client()),
                             model_name=MODEL, version="2", cfg=cfg, deploy_action=deployed.action,
                             canary_revision=deployed.latest_revision, stable_revision=deployed.previous_revision,
                             run_id="r9", check=check)
    return result, seen


def test_under_the_minimum_at_100_is_a_rollback_not_a_hold(registered, kube):
    uri, _ = registered
    deployed = _canary_at_5(kube, uri)
    cfg = RolloutConfig.from_dict({**RELEASE, "interval_seconds": 1})
    result, seen = _analyze(kube, uri, deployed, cfg, lambda percent, n: (
        (_ok("c", 500), _ok("s", 500)) if percent < 100 else (_failing("c", 40), RevisionStats("s", 0, None, None))))
    assert seen == [5, 25, 50, 100]
    assert result.decision == "rollback" and "canary at 100 %: error rate 100.00%" in result.reason, result  # was: hold


def test_a_quiet_window_after_a_failed_check_counts_as_one(registered, kube):
    uri, _ = registered
    deployed = _canary_at_5(kube, uri)
    cfg = RolloutConfig.from_dict({**RELEASE, "interval_seconds": 1, "max_failed_checks": 2})
    result, seen = _analyze(kube, uri, deployed, cfg, lambda percent, n: (
        (_ok("c", 30), _ok("s", 950)) if percent == 5 else (_ok("c", 3), _ok("s", 10))))
    assert seen == [5, 25], seen
    assert result.decision == "rollback", result  # was: hold, the failure at 5 % forgotten
    assert "counted as a failed check after 1 failed before it" in result.reason, result
    assert "| 25 % | NO |" in release.render_markdown(result)


def test_a_quiet_step_waits_at_its_share_until_its_timeout_before_holding(registered, kube):
    uri, _ = registered
    deployed = _canary_at_5(kube, uri)
    cfg = RolloutConfig.from_dict({**RELEASE, "interval_seconds": 1, "timeout_seconds": 3})
    assert release.quiet_checks(cfg) == 3 and release.quiet_checks(RolloutConfig()) == 2  # 600 // 300
    result, seen = _analyze(kube, uri, deployed, cfg, lambda percent, n: (
        (_ok("c", 3), _ok("s", 40)) if n == 1 else (_ok("c", 500), _ok("s", 500))))
    assert result.decision == "promote", result  # was: hold at the first quiet window
    assert seen == [5, 5, 25, 50, 100], seen
    table = release.render_markdown(result)
    assert "| 5 % | held (too little evidence) | too little traffic" in table, table  # was: NO


def test_holds_are_bounded_by_rollout_max_holds(registered, kube):
    uri, _ = registered
    deployed = _canary_at_5(kube, uri)
    cfg = RolloutConfig.from_dict({**RELEASE, "interval_seconds": 1, "timeout_seconds": 1, "max_holds": 2})
    quiet = lambda percent, n: (_ok("c", 3), _ok("s", 40))  # noqa: E731
    decisions = [_analyze(kube, uri, deployed, cfg, quiet)[0] for _ in range(3)]
    assert [d.decision for d in decisions] == ["hold", "hold", "rollback"], decisions  # was: hold forever
    assert "hold 1 of rollout.max_holds 2" in decisions[0].reason
    # the way to judge it again, runnable as printed (fixcl review L2: it said --param version=N, no model_name)
    assert (f"ctloop run --local --pipeline rollout --param model_name={MODEL} --param version=2 "
            "with the first run's rollout.* params") in decisions[0].reason, decisions[0].reason
    assert "held for too little evidence 2 times already, the limit (rollout.max_holds 2)" in decisions[2].reason
    records = [r for r in MlflowRegistry(uri).audit_log(MODEL) if r["event"] == "analysis"]
    assert [r.get("held_for", "") for r in records] == [release.INSUFFICIENT_EVIDENCE] * 2 + [""], records
    assert RolloutConfig().max_holds == 3


def test_held_for_comes_from_the_walk_not_from_the_reason(registered, kube, monkeypatch):
    uri, _ = registered
    deployed = _canary_at_5(kube, uri)

    def changed(*_a, **_k):
        raise rollout.ChangedOutside("someone pinned it at 5 % (too little evidence, they wrote)")

    monkeypatch.setattr(rollout, "walk_plan", changed)
    result, _ = _analyze(kube, uri, deployed, RolloutConfig.from_dict({**RELEASE, "interval_seconds": 1}),
                         lambda percent, n: (_ok("c", 500), _ok("s", 500)))
    assert result.decision == "hold"
    record = [r for r in MlflowRegistry(uri).audit_log(MODEL) if r["event"] == "analysis"][-1]
    assert "held_for" not in record, record  # was: held_for "too little evidence"


def _log(canary: int, stable: int):
    import numpy as np
    import pandas as pd

    n = canary + stable
    p = np.random.default_rng(3).uniform(size=n)
    return pd.DataFrame({"request_id": [f"r{i}" for i in range(n)], "revision": ["canary"] * canary + ["stable"] * stable,
                         "time": "2026-01-01T00:00:00+00:00", "prediction_0": 1 - p, "prediction_1": p})


@pytest.mark.parametrize(("canary", "stable", "percent", "held"), [
    (10, 10_000, 5, False),   # 10 000 stable rows make 526 at 5 %: the canary's log is broken (was: held)
    (30, 30, 5, True),        # a quiet night on both sides
    (30, 3_780, 5, False),    # 30 of 3 810 at 5 % (190 expected): binomial lower tail ~1e-45, the log is broken
    (199, 3_800, 5, True),    # 199 of 3 999 (200 expected): normal for its share, held (second review H3)
    (30, 3_800, 5, False),    # the canary's 30 are too few for its share, a failed check
    (30, 30, 100, False),     # no stable share at 100 %
    (30, 30, None, False),    # no share known
])
def test_quality_hold_needs_the_stable_side_quiet_too(canary, stable, percent, held):
    ok, why, measured = analysis.quality_check(_log(canary, stable), None, canary_revision="canary",
                                               stable_revision="stable", percent=percent)
    assert not ok and why.startswith("too little logged traffic to judge quality"), why
    assert (measured.get(analysis.EVIDENCE) == analysis.INSUFFICIENT) is held, (why, measured)


def test_a_mode_switched_while_deploy_waits_after_its_patch_is_no_refusal(registered, kube, monkeypatch):
    uri, _ = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    real = InferenceServices.patch

    def patch_then_standard(self, name, body):
        out = real(self, name, body)
        obj = kube.objects[(NS, ISVC)]
        obj.setdefault("status", {})["deploymentMode"] = "Standard"  # the controller's record, after the write
        return out

    monkeypatch.setattr(InferenceServices, "patch", patch_then_standard)
    reg = MlflowRegistry(uri)
    cfg = RolloutConfig.from_dict(RELEASE)
    with pytest.raises(ServingError) as raised:
        rollout.deploy(InferenceServices(NS, api_client=kube.api_client()), name=ISVC, model_name=MODEL, version="2",
                       storage_uri=_uri(reg), percent=5, strategy="canary",
                       timeout_s=cfg.timeout_seconds)
    assert not isinstance(raised.value, NotDrivable), raised.value  # was: NotDrivable, "nothing written"
    assert "found while waiting for" in str(raised.value), raised.value


def _uri(reg) -> str:
    from ctloop.storage import kserve_storage_uri

    return kserve_storage_uri(reg.model_artifact_uri(MODEL, "2"))


def test_deploy_canary_undoes_its_write_when_the_mode_switches_while_it_waits(registered, kube, monkeypatch, capsys):
    uri, _ = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    real = InferenceServices.patch
    patches = []

    def patch_then_standard(self, name, body):
        patches.append(body)
        out = real(self, name, body)
        kube.objects[(NS, ISVC)].setdefault("status", {})["deploymentMode"] = "Standard"
        return out

    monkeypatch.setattr(InferenceServices, "patch", patch_then_standard)
    with pytest.raises((SystemExit, ServingError)) as raised:
        deploy_canary.python_func(model_name=MODEL, version="2", rollout=RELEASE, tracking_uri=uri,
                                  pipeline_run_id="r9")
    said = f"{raised.value} {capsys.readouterr().err}"
    # was: "nothing written to the cluster", exit 2, the canary's patch left in the spec with no undo tried
    assert "nothing written to the cluster" not in said, said
    assert len(patches) == 1 and "rolling back" in said, said  # the undo tried (KServe's Standard mode refuses it)


def test_a_stop_moving_traffic_after_a_quiet_step_judged_again_names_the_right_move():
    # the line of a stop named plan[len(checks judged)]: with a quiet 5 % step judged twice, "to 50 %" while
    # moving to 25 %
    import os
    import signal

    from tests.doubles.kube_api import KubeApiDouble, with_canary
    from tests.serving.test_r49_serving_sigterm_analysis import NAME, V1, V2, Registry, in_child

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices("ml", api_client=kube.api_client())
        with_canary(isvcs, NAME, V1, V2, percent=5)

        def analysis_in_child(events_fd):
            calls = []

            def check(percent):
                calls.append(percent)
                if len(calls) == 1:
                    return analysis.judge(_ok("c", 3), _ok("s", 40), RULES, percent=percent)
                return True, "ok", {"canary_requests": 500.0}

            class Stopping:
                def __init__(self, inner):
                    self.inner, self.namespace = inner, inner.namespace

                def __getattr__(self, attr):
                    return getattr(self.inner, attr)

                def patch(self, name, patch):
                    answer = self.inner.patch(name, patch)
                    if ((patch.get("spec") or {}).get("predictor") or {}).get("canaryTrafficPercent") == 25:
                        os.kill(os.getpid(), signal.SIGTERM)  # the move written, its wait not done
                        import time
                        time.sleep(5)
                    return answer

            release.analyze(Registry(events_fd), Stopping(isvcs), model_name="credit", version="2",
                            cfg=RolloutConfig(inference_service=NAME, namespace="ml", traffic_plan=[5, 25, 50],
                                              timeout_seconds=2, interval_seconds=1),
                            deploy_action="canary", canary_revision="credit-predictor-00002",
                            stable_revision="credit-predictor-00001", check=check)

        code, killed, err, _ = in_child(analysis_in_child)
    assert (code, killed) == (143, None), (code, killed, err)
    assert "moving the canary from 5 % to 25 % (that move may have landed), 2 checks judged (1 passed)" in err, err
