"""The retraining policy (:mod:`ctloop.monitoring.policy`): one function and one state for the
monitoring pipeline and the backtest.

The unit tests walk hand-made window records through :func:`policy.judge`; the last test replays
a backtest's own window records through what the monitoring pipeline does with them — the
record's carried fields (``monitor core.carried``) written to a real MLflow monitoring store,
read back as history (``MonitoringStore.history``), judged again — and gets the backtest's
decisions window by window."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.components.monitor import core
from ctloop.config import GateConfig, MonitoringRules, TrainingConfig
from ctloop.monitoring import policy
from ctloop.monitoring.store import MonitoringStore
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data
from tests.monitoring import window_support as ws

RULES = {"realized_z": 2.326, "cusum_h": 5.0}
GATE = {"roc_auc": 0.90, "roc_auc_se": 0.01}


def record(day: int, version: str, realized: float, *, se: float = 0.01, rows: int = 500) -> dict:
    return {"window_end": pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=day), "champion_version": version,
            "rows": rows, "drift_share": 0.0, "realized": realized, "realized_rows": rows, "realized_se": se}


def quiet(days: int, version: str = "0") -> list[dict]:
    """``days`` windows judged before day 1 without a loss: they earn the budget its tokens (one
    retrain per ``min_gap`` windows, up to a burst of ``policy.BURST``)."""
    history: list[dict] = []
    for day in range(1 - days, 1):
        current = {**record(day, version, GATE["roc_auc"]), "window_end": record(day, version, 0)["window_end"].isoformat()}
        policy.judge(history, current, RULES, champion_gate=GATE, metric="roc_auc", min_labels=100)
        assert not current["triggered"]
        history.append(current)
    return history


def walk(windows: list[tuple[dict, dict]], *, saved: bool = True, **kw) -> list[str]:
    """Judge each ``(record, champion gate)`` in turn; the rules that fired (``none``/``cooldown`` else).
    ``saved``: after a quiet spell that filled the budget (else the first window has one token)."""
    history, rules = (quiet(6) if saved else []), []
    for current, gate in windows:
        current = {**current, "window_end": current["window_end"].isoformat()}
        verdict = policy.judge(history, current, RULES, champion_gate=gate, metric="roc_auc", min_labels=100,
                               window="1D", **kw)
        history.append(current)
        rules.append(verdict.rule)
    return rules


def test_a_rejected_retrain_rebases_the_reference_on_that_window():
    rejected = {**record(1, "1", 0.80, se=0.02), "triggered": True}
    current = record(2, "1", 0.79)
    ref = policy.reference(GATE, [rejected], current, "roc_auc")
    assert ref == {"roc_auc": 0.80, "roc_auc_se": 0.02}
    # the realized rules now judge 0.79 against 0.80: no loss (against the gate's 0.90 it was one)
    assert walk([(rejected, GATE), (current, GATE)], min_gap=1) == ["realized_z", "none"]
    # a retrain that did not start re-bases nothing
    assert policy.reference(GATE, [{**rejected, "triggered": False}], current, "roc_auc") == GATE
    # a promoted challenger is judged by its own gate
    assert policy.reference(GATE, [rejected], record(2, "2", 0.79), "roc_auc") == GATE


def test_a_retrain_the_gate_could_not_judge_rebases_nothing():
    """A retrain whose run failed, was cancelled or whose gate holdout could not compare the
    challenger with the champion (ROC AUC undefined on one class) left the champion in place and
    read as a rejection: the reference was re-based on the window of the loss, which then never
    fired again, and the recovery stopped retraining at once while the champion was behind."""
    unjudged = {**record(1, "1", 0.80, se=0.02), "triggered": True, "judged": False}
    current = record(2, "1", 0.79)
    assert policy.rejected([unjudged], current) is None
    assert policy.reference(GATE, [unjudged], current, "roc_auc") == GATE
    # the loss is still a loss in the next window (a judged rejection re-bases: "none")
    assert walk([(unjudged, GATE), (current, GATE)], min_gap=1) == ["realized_z", "realized_z"]
    # an older judged rejection of the same champion is still the re-basing window
    judged = {**record(0, "1", 0.82, se=0.02), "triggered": True}
    assert policy.reference(GATE, [judged, unjudged], current, "roc_auc") == {"roc_auc": 0.82, "roc_auc_se": 0.02}
    marked = {"triggered": True}
    policy.not_judged(marked)
    assert marked == {"triggered": True, "judged": False}


def test_a_recovery_reads_no_verdict_on_the_change_from_a_retrain_that_compared_no_challenger():
    """A loss's retrain whose run failed (or whose gate could not compare) "did not pay", and the
    recovery could end with "the loss's retrain was not confidently better than the champion" —
    about a challenger that was never compared. It says what happened; the gap still doubles."""
    history = quiet(6, "1")
    loss = {**record(1, "1", 0.80), "window_end": record(1, "1", 0).get("window_end").isoformat()}
    assert policy.judge(history, loss, RULES, champion_gate=GATE, metric="roc_auc", min_labels=100).rule == "realized_z"
    history.append(loss)
    after = {**record(2, "1", 0.885), "window_end": record(2, "1", 0).get("window_end").isoformat()}
    judged = policy.judge(list(history), dict(after), RULES, champion_gate=GATE, metric="roc_auc", min_labels=100)
    policy.not_judged(loss)
    current = dict(after)
    verdict = policy.judge(history, current, RULES, champion_gate=GATE, metric="roc_auc", min_labels=100)
    assert "did not pay" in judged.reason and "compared no challenger" in verdict.reason, verdict.reason
    assert current["gap"] == 2 * policy.MIN_GAP and current["change"] == loss["window_end"]


def test_a_recovery_whose_retrains_never_compare_a_challenger_ends():
    """Review: a recovery whose every retrain is not judged (a pipeline that keeps failing, a
    holdout that never holds two classes) kept its gap and never ended — a training run every
    other window for as long as it lasted (14 in 29 windows). The gap doubles: it ends."""
    history = quiet(6, "1")
    retrains = 0
    for day in range(1, 30):
        current = {**record(day, "1", 0.80 if day == 1 else 0.90),
                   "window_end": record(day, "1", 0)["window_end"].isoformat()}
        policy.judge(history, current, RULES, champion_gate=GATE, metric="roc_auc", min_labels=100)
        if current["triggered"]:
            retrains += 1
            policy.not_judged(current)
        history.append(current)
    assert retrains <= 4 and history[-1]["change"] is None, retrains


def test_monitoring_reads_from_the_audit_trail_which_retrains_compared_no_challenger(sqlite_tracking):
    """The continuous-training run a window started (tag ``kfp_run``) writes its outcome to the
    audit trail under that run id: a gate rejection on a comparison the holdout could not make
    (``record_decision`` with ``judged=False``, from ``evaluate_model``'s ``judged``) and a run
    that failed (the exit handler's ``record_run_outcome``, now keyed by the run id, not the
    workflow's resource name) mark the window not judged; a judged rejection, a run retried after its
    failure whose register found its challenger decided since (``decided``: it passed the gate, was
    registered, and was approved, rejected or promoted meanwhile) and the windows of an earlier champion
    are left as they were. Real MLflow (sqlite); the KFP run ids are made up."""
    from types import SimpleNamespace

    from ctloop.components.record import core as record_core
    from ctloop.components.record.component import record_decision, record_run_outcome
    from ctloop.components.register import core as register_core
    from ctloop.monitoring.store import COMPARED_EVENTS, NOT_JUDGED_EVENTS
    from ctloop.registry import MlflowRegistry

    assert set(record_core.FAILED_STATES.values()) == NOT_JUDGED_EVENTS
    assert register_core.DECIDED in COMPARED_EVENTS
    store = MonitoringStore(MlflowRegistry(sqlite_tracking).client, "credit")
    registry = MlflowRegistry(sqlite_tracking)
    runs = {}
    for day, (version, kfp) in enumerate([("0", "kfp-old"), ("1", "kfp-undefined"), ("1", "kfp-failed"),
                                          ("1", "kfp-retried"), ("1", "kfp-judged"), ("1", "kfp-registered"),
                                          ("1", "kfp-decided")],
                                         start=1):
        end = pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=day)
        runs[kfp] = store.record(window_end=end, metrics={"realized": 0.8, "realized_rows": 500.0},
                                 tags={"champion_version": version}, retrain=True, rule="realized_z", reason="loss",
                                 metric="roc_auc", warnings=[])
        store.mark_triggered(runs[kfp], kfp)
    for kfp in ("kfp-old", "kfp-undefined"):
        record_decision.python_func(model_name="credit", decision="rejected", reason="roc_auc undefined",
                                    tracking_uri=sqlite_tracking, pipeline_run_id=kfp, judged=False)
    record_decision.python_func(model_name="credit", decision="rejected", reason="confidently worse",
                                tracking_uri=sqlite_tracking, pipeline_run_id="kfp-judged")
    status = SimpleNamespace(state="FAILED", error_message="OOMKilled",
                             pipeline_job_resource_name="continuous-training-x7k2p")  # the workflow's name
    record_run_outcome.python_func(model_name="credit", pipeline="continuous-training", status=status,
                                   tracking_uri=sqlite_tracking, pipeline_run_id="kfp-failed")
    # a run retried in place (KFP keeps the run id): failed first, then gated and rejected: judged
    record_run_outcome.python_func(model_name="credit", pipeline="continuous-training", status=status,
                                   tracking_uri=sqlite_tracking, pipeline_run_id="kfp-retried")
    record_decision.python_func(model_name="credit", decision="rejected", reason="confidently worse",
                                tracking_uri=sqlite_tracking, pipeline_run_id="kfp-retried")
    # a run that registered its challenger (gated: compared), then failed in its rollout: judged
    registry.record_event("credit", "", {"event": "register", "alias": "challenger", "pipeline_run": "kfp-registered"})
    record_run_outcome.python_func(model_name="credit", pipeline="continuous-training", status=status,
                                   tracking_uri=sqlite_tracking, pipeline_run_id="kfp-registered")
    # a run retried in place after it failed, whose register found the version decided since (the
    # pipeline's decided-since branch records `decided` with no version): compared, not "no challenger"
    record_run_outcome.python_func(model_name="credit", pipeline="continuous-training", status=status,
                                   tracking_uri=sqlite_tracking, pipeline_run_id="kfp-decided")
    record_decision.python_func(model_name="credit", decision="decided", reason="credit v1 was approved since",
                                tracking_uri=sqlite_tracking, pipeline_run_id="kfp-decided")
    history = store.history(window_end="2026-01-08T00:00:00+00:00", need=8, window="1D")
    assert store.mark_unjudged(history, registry, "1") == [
        (pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=d)).isoformat() for d in (2, 3)]
    judged = {r["kfp_run"]: r.get("judged") for r in history}
    assert judged == {"kfp-old": None, "kfp-undefined": False, "kfp-failed": False, "kfp-retried": None,
                      "kfp-judged": None, "kfp-registered": None, "kfp-decided": None}
    # the newest judged rejection of champion 1 is what its reference is re-based on
    current = {**record(6, "1", 0.79), "window_end": "2026-01-07T00:00:00+00:00"}
    history = [r for r in history if r["kfp_run"] not in ("kfp-registered", "kfp-decided")]  # (champion replaced)
    assert policy.rebased_on(history, current)["kfp_run"] == "kfp-judged"
    assert policy.rebased_on([r for r in history if r["kfp_run"] != "kfp-judged"], current)["kfp_run"] == "kfp-retried"
    assert policy.rebased_on([r for r in history if r["kfp_run"] not in ("kfp-judged", "kfp-retried")], current) is None


def test_a_rejected_retrain_with_too_few_labels_does_not_rebase_the_reference():
    """A retrain asked for in a window with 30 labels (a drift or volume rule, the recovery; the
    realized rules need min_labels=100) that did not replace the champion: the champion's ROC AUC
    on those 30 labels, 0.70 +- 0.08 by chance, became the reference, and a confident loss against
    its gate (0.80 on 500 labels vs 0.90 +- 0.01) read as no loss at all."""
    few = {**record(1, "1", 0.70, se=0.08, rows=30), "triggered": True, "window_end": "2026-01-02T00:00:00+00:00"}
    current = {**record(2, "1", 0.80), "window_end": "2026-01-03T00:00:00+00:00"}
    assert policy.reference(GATE, [few], current, "roc_auc", min_labels=100) == GATE
    verdict = policy.judge([few], current, RULES, champion_gate=GATE, metric="roc_auc", min_labels=100)
    assert verdict.rule == "realized_z", verdict.reason
    # with enough labels the window is the champion's new level (the test above)
    assert policy.reference(GATE, [few], current, "roc_auc", min_labels=30)["roc_auc"] == 0.70


def test_the_budget_allows_one_retrain_per_min_gap_windows_with_short_bursts():
    loss = [(record(d, str(d), 0.80), GATE) for d in range(1, 7)]  # a new champion each window, each one worse
    assert walk(loss, min_gap=1, recovery=False) == ["realized_z"] * 6
    assert policy.BURST == 4
    # min_gap 2: half a token per window, four saved by a quiet spell (and half a token a window meanwhile):
    # seven losses in a row, then one per two
    more = loss + [(record(d, str(d), 0.80), GATE) for d in (7, 8, 9)]
    assert walk(more, min_gap=2, recovery=False) == ["realized_z"] * 7 + ["cooldown", "realized_z"]
    assert walk(loss, min_gap=3, recovery=False) == ["realized_z"] * 5 + ["cooldown"]
    # nothing saved up front: the first window has one token, then one retrain per min_gap windows —
    # at most ⌈N / min_gap⌉ retrains in the first N windows (it started with three: 5 of 6 at min_gap 2)
    assert walk(loss, min_gap=2, recovery=False, saved=False) == ["realized_z", "cooldown"] * 3
    assert walk(loss, min_gap=3, recovery=False, saved=False) == ["realized_z", "cooldown", "cooldown"] * 2
    # a retrain that did not start gives its token back
    first = {**record(1, "1", 0.80), "window_end": record(1, "1", 0)["window_end"].isoformat()}
    policy.judge([], first, RULES, champion_gate=GATE, metric="roc_auc", min_labels=100)
    assert (first["triggered"], first["budget"]) == (True, 0.0)
    policy.not_started(first)
    assert (first["triggered"], first["budget"]) == (False, 1.0)


def gate(delta: float, ci_low: float) -> dict:
    """A champion's registered gate with its comparison to the champion it replaced."""
    return {**GATE, "roc_auc.delta": delta, "roc_auc.ci_low": ci_low}


def test_a_loss_starts_a_recovery_that_backs_off_while_retrains_do_not_pay():
    windows = [
        (record(1, "1", 0.80), GATE),  # a confident loss: retrain
        (record(2, "2", 0.90), gate(0.05, 0.02)),  # it paid: recovery goes on, min_gap windows after it
        (record(3, "2", 0.90), gate(0.05, 0.02)),  # 2 windows since the last retrain
        (record(4, "3", 0.90), gate(0.01, -0.01)),  # paid (delta > 0): the gap stays 2
        (record(5, "3", 0.90), gate(0.01, -0.01)),
        (record(6, "4", 0.90), gate(-0.01, -0.03)),  # did not pay: gap 4
        (record(7, "4", 0.90), gate(-0.01, -0.03)),
        (record(8, "4", 0.90), gate(-0.01, -0.03)),
        (record(9, "4", 0.90), gate(-0.01, -0.03)),  # 4 windows since
        (record(10, "4", 0.90), gate(-0.01, -0.03)),  # rejected (the same champion): gap 8 > MAX_GAP, ends
    ] + [(record(d, "4", 0.90), gate(-0.01, -0.03)) for d in range(11, 30)]
    assert policy.MAX_GAP == 4
    assert walk(windows, min_gap=2) == ["realized_z", "none", "recovery", "none", "recovery", "none", "none", "none",
                                        "recovery", "none"] + ["none"] * 19
    assert walk(windows, min_gap=2, recovery=False) == ["realized_z"] + ["none"] * 28


def test_a_recoverys_scheduled_retrain_leaves_two_retrains_of_the_budget_for_a_loss():
    """A recovery retrains every ``gap`` windows while its retrains pay, by any margin: a schedule
    of one retrain per two windows spends the budget exactly as fast as it fills, and the next
    change (agrawal_gradual: switches ten windows apart, each needing four or five retrains in a
    row) found it empty. A scheduled retrain now starts only when it leaves ``RESERVE`` tokens; a
    loss spends down to the last one."""
    assert policy.RESERVE == 2
    losses = [(record(d, str(d), 0.80), GATE) for d in range(1, 5)]  # 3.5 saved: four retrains leave 1.5
    learnt = [(record(d, "5", 0.90), gate(0.05, 0.02)) for d in range(5, 8)]  # back at the level: the schedule
    assert walk(losses + learnt, min_gap=2) == ["realized_z"] * 4 + ["none", "cooldown", "recovery"]
    verdicts = []
    history = quiet(6)
    for current, champion_gate in losses + learnt:
        current = {**current, "window_end": current["window_end"].isoformat()}
        verdicts.append(policy.judge(history, current, RULES, champion_gate=champion_gate, metric="roc_auc",
                                     min_labels=100, window="1D", min_gap=2))
        history.append(current)
    assert "scheduled retrain waits: it leaves 2 of the budget (2.5) for a loss" in verdicts[5].reason
    assert history[-2]["train_since"] is None and history[-1]["train_since"] == history[6]["window_end"]
    # a loss in that window spends the budget the schedule left
    loss_then = learnt[:1] + [(record(6, "5", 0.80), gate(0.05, 0.02))]
    assert walk(losses + loss_then, min_gap=2) == ["realized_z"] * 4 + ["none", "realized_z"]


def test_a_rejected_retrain_doubles_the_gap():
    rejected = [(record(d, "1", 0.80), GATE) for d in range(1, 8)]
    # rejected: re-based (no loss any more), the next retry 4 windows later, rejected too: the recovery ends
    assert walk(rejected, min_gap=2) == ["realized_z", "none", "none", "none", "recovery", "none", "none"]


def test_no_recovery_follows_a_loss_whose_retrain_did_not_start():
    first = {**record(1, "1", 0.80), "window_end": record(1, "1", 0)["window_end"].isoformat()}
    assert policy.judge([], first, {"realized_z": 2.326}, champion_gate=GATE, metric="roc_auc", min_labels=100).rule == "realized_z"
    policy.not_started(first)  # e.g. too few labelled rows to train on, or KFP unreachable
    later = [{**record(d, "1", 0.90), "window_end": record(d, "1", 0)["window_end"].isoformat()} for d in (2, 3)]
    rules = [policy.judge([first, *later[:k]], r, {"realized_z": 2.326}, champion_gate=GATE, metric="roc_auc", min_labels=100).rule
             for k, r in enumerate(later)]
    assert rules == ["none", "none"] and later[-1]["change"] is None


def test_the_retrains_of_a_recovery_train_on_the_data_since_the_loss():
    """The retrain of the loss that starts a recovery trains on the whole training window (one loss
    may be noise); a loss during the recovery and the recovery's own retrains on the data since."""
    history: list[dict] = quiet(6)  # a budget for the recovery's scheduled retrain (it leaves RESERVE)
    paying = gate(0.05, 0.02)
    for current, champion_gate in [(record(1, "1", 0.80), GATE), (record(2, "2", 0.9), paying),
                                   (record(3, "2", 0.8), paying), (record(4, "3", 0.9), paying),
                                   (record(5, "3", 0.9), paying)]:
        current = {**current, "window_end": current["window_end"].isoformat()}
        policy.judge(history, current, RULES, champion_gate=champion_gate, metric="roc_auc", min_labels=100)
        history.append(current)
    history = history[6:]
    start = history[0]["window_end"]
    assert [(h["rule"], h["change"], h["train_since"]) for h in history] == [
        ("realized_z", start, None), ("none", start, None), ("realized_z", start, start), ("none", start, None),
        ("recovery", start, start)]


def test_a_recovery_retrains_at_once_while_the_champion_is_confidently_below_the_level_before_the_change():
    """A challenger trained across a change sets its own low bar (0.72 here): judged against it the
    champion shows no loss, but against the level before the change (the loss's reference, 0.90)
    it is confidently behind, so the recovery retrains in the next window instead of min_gap
    windows later; once back near that level it keeps its gap."""
    low = {"roc_auc": 0.72, "roc_auc_se": 0.01, "roc_auc.delta": 0.05, "roc_auc.ci_low": 0.02}
    behind = [(record(1, "1", 0.80), GATE), (record(2, "2", 0.71), low), (record(3, "3", 0.89), gate(0.05, 0.02)),
              (record(4, "3", 0.89), gate(0.05, 0.02)), (record(5, "3", 0.89), gate(0.05, 0.02))]
    assert walk(behind, min_gap=2) == ["realized_z", "recovery", "none", "recovery", "none"]
    back = [(record(1, "1", 0.80), GATE), (record(2, "2", 0.89), low), (record(3, "2", 0.89), low)]
    assert walk(back, min_gap=2) == ["realized_z", "none", "recovery"]
    # the level is carried in the records (monitoring: metrics change_level/_se) until the recovery ends
    history = quiet(6)
    for current, champion_gate in behind[:2]:
        current = {**current, "window_end": current["window_end"].isoformat()}
        policy.judge(history, current, RULES, champion_gate=champion_gate, metric="roc_auc", min_labels=100)
        history.append(current)
    assert [(h["change_level"], h["change_level_se"]) for h in history[-2:]] == [(0.90, 0.01)] * 2


def test_the_retrain_of_a_loss_may_start_at_the_change():
    """The loss's retrain names its own window as a candidate start (``try_since``: the backtest and
    the training keep it only when confidently better on the newest rows); a recovery's retrains
    train on the data since (``train_since``)."""
    history: list[dict] = quiet(6)  # a budget for the recovery's scheduled retrain (it leaves RESERVE)
    for current, champion_gate in [(record(1, "1", 0.80), GATE), (record(2, "2", 0.9), gate(0.05, 0.02)),
                                   (record(3, "2", 0.9), gate(0.05, 0.02))]:
        current = {**current, "window_end": current["window_end"].isoformat()}
        policy.judge(history, current, RULES, champion_gate=champion_gate, metric="roc_auc", min_labels=100)
        history.append(current)
    history = history[6:]
    start = history[0]["window_end"]
    assert [(h["rule"], h["try_since"], h["train_since"]) for h in history] == [
        ("realized_z", start, None), ("none", None, None), ("recovery", None, start)]


@pytest.fixture(scope="module")
def backtest():
    frame = make_credit_data(n_rows=6000, seed=3)  # a loss and a recovery (seed 2: a marginal loss whose recovery ends at once)
    cfg = BacktestConfig(target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window="30D", policy="default",
                         train_window="60D", training=TrainingConfig(estimator="logistic_regression"),
                         gate=GateConfig(thresholds={"roc_auc": 0.7}, bootstrap_rounds=100), min_labels=100)
    return cfg, run_backtest(frame, cfg)


def test_the_monitoring_store_carries_the_backtests_policy_state(backtest, sqlite_tracking):
    """Each backtest window record, stripped of what the policy wrote, judged from the history the
    monitoring store reads back: the same rule, CUSUM and recovery state in every window."""

    cfg, report = backtest
    rules = [w.rule for w in report.windows if w.rule not in ("history", "initial")]
    assert {"realized_z", "recovery"} <= set(rules), rules
    ws.replay_through_store(report, cfg, sqlite_tracking, "credit", metric="roc_auc")


def test_monitoring_rules_default_to_the_recovery():
    assert MonitoringRules().active()["recovery"] is True


def test_a_recovery_retrain_in_monitoring_trains_on_the_data_since_the_change():
    from ctloop.monitoring.trigger import training_parameters

    params = {"data": {"uri": "gs://b/t.parquet", "window": "180D"}, "drift": {"current_window": "7D"}}
    now = "2026-03-01T00:00:00Z"
    out = training_parameters(params, "credit", train_from="2026-02-20T00:00:00+00:00", now=now)
    # the window ends at `now`, pinned as data.as_of (the newest row lags `now` by the label delay:
    # measured back from it, the window would reach before the change)
    assert out["data"] == {"uri": "gs://b/t.parquet", "window": f"{9 * 86400}s", "as_of": "2026-03-01T00:00:00+00:00"}
    # a configured as_of is the end the span is measured from
    pinned = {**params, "data": {**params["data"], "as_of": "2026-02-25T00:00:00Z"}}
    out = training_parameters(pinned, "credit", train_from="2026-02-20T00:00:00+00:00", now=now)
    assert (out["data"]["window"], out["data"]["as_of"]) == (f"{5 * 86400}s", "2026-02-25T00:00:00Z")
    assert out["drift"] == {"current_window": "7D", "force_retrain": True} and params["data"]["window"] == "180D"
    # never longer than the configured window; without train_from nothing changes
    assert training_parameters(params, "credit", train_from="2025-01-01T00:00:00Z", now=now)["data"]["window"] == "180D"
    assert training_parameters(params, "credit", now=now)["data"] == params["data"]


def test_the_retrain_of_a_loss_in_monitoring_tries_the_data_since_the_change():
    """The window's ``try_from`` tag (a loss's candidate start) becomes ``training.candidate_since``
    of the triggered run, so ``train_model`` makes the backtest's choice (``ctloop.retrain``); the
    data window is not cut (was: the tag was recorded and ignored, the run trained on the whole window)."""
    from types import SimpleNamespace

    from ctloop.monitoring.trigger import start_training, training_parameters

    params = {"data": {"uri": "gs://b/t.parquet", "window": "180D"}, "training": {"estimator": "logistic_regression"}}
    out = training_parameters(params, "credit", try_from="2026-02-20T01:00:00+01:00", now="2026-03-01T00:00:00Z")
    assert out["training"] == {"estimator": "logistic_regression", "candidate_since": "2026-02-20T00:00:00+00:00"}
    assert out["data"] == params["data"] and "candidate_since" not in params["training"]
    assert "training" not in training_parameters({}, "credit")

    # start_training reads the window's tags from its MLflow run (MonitoringStore.client.get_run), and
    # marks and audits through two calls: the one-run store and registry below stand in for MLflow
    # (a sqlite store costs seconds; test_a_trigger_that_fails_before_create_run... runs the real one)
    tags = {"try_since": "2026-02-20T02:00:00+00:00", "try_from": "2026-02-20T00:00:00+00:00"}
    events, created, marked = [], [], []

    class Store:
        client = SimpleNamespace(get_run=lambda run_id: SimpleNamespace(data=SimpleNamespace(tags=tags)))

        def mark_triggered(self, run_id, kfp_run):
            marked.append((run_id, kfp_run))

    class Registry:
        def record_event(self, model_name, version, event):
            events.append(event)

    class Platform:  # the one call start_training makes (ctloop.ops.platform.Platform.create_run)
        def create_run(self, pipeline, *, experiment, params, run_name, schedule="", run_id=""):
            created.append(params)
            return "kfp-run-1"

    assert start_training(Registry(), Store(), Platform(), model_name="credit", reason="loss", params={},
                          experiment="ctloop", monitor_run_id="window-run") == "kfp-run-1"
    assert created[0]["training"] == {"candidate_since": "2026-02-20T00:00:00+00:00"}
    assert marked == [("window-run", "kfp-run-1")] and events[-1]["try_from"] == "2026-02-20T00:00:00+00:00"


def test_monitor_model_tags_a_losss_candidate_start(tmp_path):
    """A confident loss outside a recovery: the window records ``try_since`` (its end) and the tag
    ``try_from`` — the start of that window, as ``train_from`` is derived from ``train_since``."""
    from ctloop.inference_log.reader import read_log
    from ctloop.labels.store import read_labels

    truth = ws.write_log(tmp_path / "logs", n=300)
    ws.write_labels(tmp_path / "labels", truth)
    cfg = ws.config(tmp_path / "logs", tmp_path / "labels", rules={"cooldown": None, "realized_drop": 0.01})
    window = core.bounds(ws.END, cfg)
    champ = ws.champion()
    champ.gate_metrics = {"roc_auc": 0.99}  # the realized AUC (about 0.94) is more than 0.01 below
    out = core.judge(window=window, logs=read_log(str(tmp_path / "logs"), ws.MODEL, window.read_from, window.end),
                     labels=read_labels(str(tmp_path / "labels")), champion=champ, history=[], previous=None,
                     cfg=cfg, model_name=ws.MODEL)
    assert out.verdict.fire and out.verdict.rule == "realized_drop", out.verdict.reason
    assert out.tags["try_since"] == ws.END.isoformat() and "train_from" not in out.tags
    assert out.tags["try_from"] == (ws.END - pd.Timedelta("2h")).isoformat()


def test_monitor_model_judges_a_window_with_the_policy(tmp_path):
    """The monitoring core's own judgement (``core.judge`` on a logged window) goes through
    ``policy.judge``: two windows after a retrain that paid, the recovery asks for the next one,
    on the data since the change (the ``train_from`` tag ``trigger_training`` reads)."""
    from ctloop.inference_log.reader import read_log
    from ctloop.labels.store import read_labels

    truth = ws.write_log(tmp_path / "logs", n=300)
    ws.write_labels(tmp_path / "labels", truth)
    cfg = ws.config(tmp_path / "logs", tmp_path / "labels", rules={"cooldown": None})
    END, MODEL = ws.END, ws.MODEL
    window = core.bounds(END, cfg)
    loss = (END - pd.Timedelta("4h")).isoformat()
    history = [{"window_end": loss, "champion_version": "0", "triggered": True, "rule": "realized_z", "change": loss,
                "gap": 2.0, "budget": 1.0},
               {"window_end": (END - pd.Timedelta("2h")).isoformat(), "champion_version": "1", "triggered": False,
                "rule": "none", "change": loss, "gap": 2.0, "budget": 2.5}]  # a scheduled retrain leaves 2
    champ = ws.champion()
    champ.gate_metrics = {"roc_auc": 0.8, "roc_auc.delta": 0.02}  # registered: it beat the champion it replaced
    out = core.judge(window=window, logs=read_log(str(tmp_path / "logs"), MODEL, window.read_from, window.end),
                     labels=read_labels(str(tmp_path / "labels")), champion=champ, history=history,
                     previous=history[-1], cfg=cfg, model_name=MODEL)
    assert out.verdict.fire and out.verdict.rule == "recovery", out.verdict.reason
    assert out.tags["recovery_since"] == loss and out.tags["train_from"] == (END - pd.Timedelta("6h")).isoformat()
    assert out.series["budget"] == 2.0 and out.series["gap"] == 2.0


def test_a_trigger_that_fails_before_create_run_is_marked_and_audited(sqlite_tracking):
    """A bad ``train_from`` tag (or MLflow failing to read the window's run) is a failed trigger like
    an unreachable KFP: the window is marked ``failed`` and ``retrain_trigger_failed`` is audited,
    so the next window decides again (was: raised before the try, neither marked nor audited)."""
    from mlflow import MlflowClient

    from ctloop.errors import PlatformError
    from ctloop.monitoring.store import FAILED
    from ctloop.monitoring.trigger import start_training
    from ctloop.registry import MlflowRegistry

    client = MlflowClient(sqlite_tracking)
    run = client.create_run(client.create_experiment("credit-monitoring"), tags={"train_from": "yesterday"})
    registry = MlflowRegistry(sqlite_tracking)

    def never():
        raise AssertionError("no KFP run may be created")

    with pytest.raises(PlatformError, match="train_from 'yesterday' is not an ISO 8601 time"):
        start_training(registry, MonitoringStore(client, "credit"), never, model_name="credit", reason="recovery",
                       params={}, experiment="ctloop", monitor_run_id=run.info.run_id)
    assert client.get_run(run.info.run_id).data.tags["triggered"] == FAILED
    assert [e["event"] for e in registry.audit_log("credit")] == ["retrain_trigger_failed"]


def test_a_regressors_recovery_retrains_at_once_while_its_squared_error_is_confidently_worse():
    """The recovery's "still behind" check read ROC AUC's fields only: a regressor (rmse; the
    squared error carries the standard errors) never counted as behind and waited the gap."""
    def rec(day, version, mse):
        return {"window_end": (pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=day)).isoformat(),
                "champion_version": version, "rows": 500, "drift_share": 0.0, "realized": mse ** 0.5,
                "realized_rows": 500, "mse": mse, "mse_se": 0.05}
    before = {"mse": 1.0, "mse_se": 0.05, "rmse": 1.0}
    trained_across = {"mse": 3.8, "mse_se": 0.05, "rmse": 3.8 ** 0.5, "rmse.delta": -0.05, "rmse.ci_low": -0.02}
    history: list[dict] = quiet(6)  # a quiet spell saved the budget its burst
    rules = []
    for current, champion_gate in [(rec(1, "1", 4.0), before), (rec(2, "2", 3.85), trained_across)]:
        verdict = policy.judge(history, current, RULES, champion_gate=champion_gate, metric="rmse", min_labels=100,
                               window="1D", min_gap=2)
        history.append(current)
        rules.append(verdict.rule)
    assert rules == ["realized_z", "recovery"], [h.get("rule") for h in history]
    assert history[-2]["change_level"] == 1.0 and "squared error" in verdict.reason


def test_a_regressors_recovery_retrains_at_once_while_its_absolute_error_is_confidently_worse():
    """Heavy-tailed errors (Student t3): the squared error's standard error is large, the absolute
    error's small. After a loss the absolute error caught, a champion trained across the change
    (its own low bar) still serves an absolute error confidently worse than before the change,
    while its squared error is not confidently worse. Was: the recovery's level was the squared
    error alone, so the champion never counted as behind and the recovery waited its gap."""
    def rec(day, version, mse, mae):
        return {"window_end": (pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=day)).isoformat(),
                "champion_version": version, "rows": 500, "drift_share": 0.0, "realized": mse ** 0.5,
                "realized_rows": 500, "mse": mse, "mse_se": 0.4, "mae": mae, "mae_se": 0.02}
    before = {"mse": 1.0, "mse_se": 0.4, "mae": 0.60, "mae_se": 0.02, "rmse": 1.0}
    trained_across = {"mse": 1.5, "mse_se": 0.4, "mae": 0.74, "mae_se": 0.02, "rmse": 1.5 ** 0.5,
                      "rmse.delta": 0.01, "rmse.ci_low": 0.002}
    history: list[dict] = quiet(6)  # a quiet spell saved the budget its burst
    rules = []
    for current, champion_gate in [(rec(1, "1", 1.6, 0.76), before), (rec(2, "2", 1.5, 0.73), trained_across)]:
        verdict = policy.judge(history, current, RULES, champion_gate=champion_gate, metric="rmse", min_labels=100,
                               window="1D", min_gap=2)
        history.append(current)
        rules.append(verdict.rule)
    assert rules == ["realized_z", "recovery"], [h.get("reason") for h in history]
    assert "realized absolute error 0.73 still confidently worse than 0.6 before the change" in verdict.reason
    assert (history[-1]["change_level_mae"], history[-1]["change_level_mae_se"]) == (0.60, 0.02)
    assert history[-1]["change_level"] == 1.0  # the squared error's level is carried beside it


def test_a_classifier_judged_on_accuracy_recovers_at_once_on_its_brier_score():
    """Only ROC AUC has a standard error of its own: judged on accuracy (or f1, log_loss, ...) the
    level before the change had no se and the recovery never retrained at once; the Brier score —
    the loss realized_z fires on for these metrics — stands in."""
    def rec(day, version, brier):
        return {"window_end": (pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=day)).isoformat(),
                "champion_version": version, "rows": 500, "drift_share": 0.0, "realized": 1 - brier,
                "realized_rows": 500, "brier": brier, "brier_se": 0.005}
    before = {"accuracy": 0.92, "brier": 0.08, "brier_se": 0.005}
    trained_across = {"accuracy": 0.75, "brier": 0.25, "brier_se": 0.005, "accuracy.delta": 0.02,
                      "accuracy.ci_low": 0.01}
    history: list[dict] = quiet(6)  # a quiet spell saved the budget its burst
    rules = []
    for current, champion_gate in [(rec(1, "1", 0.30), before), (rec(2, "2", 0.26), trained_across)]:
        verdict = policy.judge(history, current, RULES, champion_gate=champion_gate, metric="accuracy",
                               min_labels=100, window="1D", min_gap=2)
        history.append(current)
        rules.append(verdict.rule)
    assert rules == ["realized_z", "recovery"], [h.get("rule") for h in history]
    assert (history[-2]["change_level"], history[-2]["change_level_se"]) == (0.08, 0.005)
    assert "Brier score" in verdict.reason


def _served(day: int, version: str, realized_fields: dict, realized: float) -> dict:
    return {"window_end": (pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=day)).isoformat(),
            "champion_version": version, "rows": 800, "drift_share": 0.0, "realized": realized,
            "realized_rows": 800, **realized_fields}


def test_a_champion_that_ranks_worse_than_chance_retrains_though_its_reference_was_rebased_below_chance():
    """fresh22's sine_gradual (river Sine, the concept reversed around week 24): two retrains were
    rejected — their challengers, trained mostly on the old concept, scored below the gate's bar
    (ROC AUC 0.27, 0.18 < 0.5) — so the reference was re-based on the champion's own window, ROC
    AUC 0.0795, and three windows at 0.065 showed "no confident loss" against it: −8.1 points
    against always-retrain. A model confidently worse than chance (it ranks the classes backwards)
    is a loss whatever its reference."""
    import numpy as np

    from ctloop.monitoring import triggers

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 800)
    p1 = 1 / (1 + np.exp(-(rng.normal(size=800) - 1.0 * (2 * y - 1))))  # backwards: ROC AUC ~0.08
    fields = triggers.realized_inputs(y, np.column_stack([1 - p1, p1]), [0, 1])
    auc = 0.5 - fields["chance_gap"]
    assert auc < 0.1 and fields["chance_gap_se"] < 0.025
    rejected = {**_served(1, "1", {"realized_se": fields["realized_se"]}, auc + 0.005), "triggered": True}
    history = [*quiet(6), rejected]
    current = _served(2, "1", fields, auc)
    verdict = policy.judge(history, current, RULES, champion_gate={"roc_auc": 0.68, "roc_auc_se": 0.02},
                           metric="roc_auc", min_labels=100, window="1D")
    assert (verdict.rule, verdict.fire) == ("below_chance", True), verdict.reason
    assert f"realized roc_auc {auc:.4f} on 800 labels is worse than chance (0.5)" in verdict.reason
    assert current["try_since"] == current["window_end"]  # a loss: its retrain may start at the change


def test_a_regressor_whose_predictions_rank_the_labels_backwards_retrains_whatever_its_reference():
    """The regressor's counterpart of a ROC AUC below 0.5: predictions confidently negatively
    correlated with the labels (Spearman, se 1/sqrt(n-1) at chance) — a reversed relation — are a
    loss whatever the reference. Not the squared errors against the window's own mean (the first
    version): an unbiased model whose error is a little larger than the labels' spread within a
    window, or a window whose labels are all 0, is not worse than chance; and a biased model that
    still ranks the labels is realized_z's (its squared error against the gate's)."""
    import numpy as np

    from ctloop.monitoring import triggers

    rng = np.random.default_rng(1)
    y = rng.normal(10.0, 1.0, 800)

    def judged(pred):
        fields = triggers.realized_regression(y, pred)
        current = _served(1, "1", fields, fields["mse"] ** 0.5)
        gate = {"mse": fields["mse"], "mse_se": 0.5}  # the gate as bad: realized_z stays quiet
        return fields, policy.judge(quiet(6), current, RULES, champion_gate=gate, metric="rmse", min_labels=100,
                                    window="1D")

    fields, verdict = judged(20.0 - y + rng.normal(0, 0.5, 800))  # backwards
    assert (verdict.rule, verdict.fire) == ("below_chance", True), verdict.reason
    assert "the predictions rank the 800 labels backwards: Spearman correlation -0.87" in verdict.reason
    assert fields["chance_gap_se"] == pytest.approx(1 / 799 ** 0.5)
    for pred in (y + rng.normal(0, 1.2, 800), y + 3.0 + rng.normal(0, 0.5, 800)):  # noisy; biased
        _, verdict = judged(pred)
        assert verdict.rule == "none", verdict.reason
    assert "chance_gap" not in triggers.realized_regression(np.zeros(50), rng.normal(0, 0.3, 50))  # all labels 0


def test_a_champion_near_chance_but_not_confidently_below_it_does_not_fire():
    import numpy as np

    from ctloop.monitoring import triggers

    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 120)
    fields = triggers.realized_inputs(y, np.column_stack([np.full(120, 0.5), rng.random(120)]), [0, 1])
    current = _served(1, "1", fields, 0.5 - fields["chance_gap"])
    verdict = policy.judge(quiet(6), current, RULES, champion_gate={"roc_auc": 0.5, "roc_auc_se": 0.05},
                           metric="roc_auc", min_labels=100, window="1D")
    assert verdict.rule == "none" and abs(fields["chance_gap"]) < 2.326 * fields["chance_gap_se"]


def test_one_positive_ranked_low_is_not_confidently_below_chance():
    """A window of 300 labels with a single positive (an imbalanced stream), ranked at the 5th
    percentile: a model scoring at random does that in 5 % of windows. Hanley & McNeil's standard
    error at the estimate shrinks with the AUC — 0.049 here — and below chance fired (gap 0.45 >
    2.326 x 0.049); at chance (Mann & Whitney's null variance, (n1 + n2 + 1) / (12 n1 n2))
    it is 0.29, and a random model with one positive fired in 17 % of such windows, not 1 %."""
    import numpy as np

    from ctloop.monitoring import triggers

    scores = np.linspace(0.01, 0.99, 300)
    y = np.zeros(300, dtype=int)
    y[15] = 1  # 15 of the 299 negatives score below it: ROC AUC 0.05
    fields = triggers.realized_inputs(y, np.column_stack([1 - scores, scores]), [0, 1])
    assert round(0.5 - fields["chance_gap"], 3) == 0.05
    assert round(fields["chance_gap_se"], 2) == 0.29  # sqrt(301 / (12 x 299))
    current = {**_served(1, "1", fields, 0.5 - fields["chance_gap"]), "rows": 300, "realized_rows": 300}
    verdict = policy.judge(quiet(6), current, {"realized_z": 2.326}, champion_gate=None,
                           metric="roc_auc", min_labels=100, window="1D")
    assert verdict.rule != "below_chance", verdict.reason


def test_below_chance_within_a_recovery_offers_the_data_since_its_own_window_as_the_start():
    """Within a recovery a loss trains on the data since the change. A reversal in the middle of it
    (fresh22's sine_gradual: the retrains since the change, mostly the old concept, scored ROC AUC
    0.27 and 0.18 and were rejected) makes that data the wrong start: below chance the retrain
    also tries the rows since its own window (``choose_start`` keeps them only when confidently
    better on the newest rows)."""
    import numpy as np

    from ctloop.monitoring import triggers

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 800)
    p1 = 1 / (1 + np.exp(-(rng.normal(size=800) - 1.0 * (2 * y - 1))))
    fields = triggers.realized_inputs(y, np.column_stack([1 - p1, p1]), [0, 1])
    history = quiet(6)
    loss = {**record(1, "1", 0.80, se=0.01), "window_end": record(1, "1", 0).get("window_end").isoformat()}
    policy.judge(history, loss, RULES, champion_gate=GATE, metric="roc_auc", min_labels=100, window="1D")
    assert loss["rule"] == "realized_z" and loss["change"] == loss["window_end"]
    history.append(loss)
    current = _served(2, "2", fields, 0.5 - fields["chance_gap"])
    verdict = policy.judge(history, current, RULES, champion_gate={**GATE, "roc_auc.delta": 0.01}, metric="roc_auc",
                           min_labels=100, window="1D")
    assert verdict.rule == "below_chance", verdict.reason
    assert (current["train_since"], current["try_since"]) == (loss["window_end"], current["window_end"])


def test_a_loss_against_a_rebased_reference_names_it():
    """After a retrain that did not replace the champion, the realized rules judge against the
    champion's own statistics on that window: the reason says so instead of "at the champion's gate"
    (a user reading "vs 0.8000 at the champion's gate" looks up a gate of 0.90)."""
    rejected = {**record(1, "1", 0.80, se=0.01), "triggered": True, "window_end": "2026-01-02T00:00:00+00:00"}
    current = {**record(2, "1", 0.70), "window_end": "2026-01-03T00:00:00+00:00"}
    verdict = policy.judge([rejected], current, RULES, champion_gate=GATE, metric="roc_auc", min_labels=100)
    assert verdict.rule == "realized_z"
    assert verdict.reason.startswith("realized roc_auc 0.7000 on 500 labels vs 0.8000, the champion's own level in "
                                     "the window ending 2026-01-02T00:00:00+00:00 (its retrain there did not "
                                     "replace it): worse by"), verdict.reason
    quiet = policy.judge([rejected], {**current, "realized": 0.80}, RULES, champion_gate=GATE, metric="roc_auc",
                         min_labels=100)
    assert "roc_auc 0.8000 vs 0.8000 at the champion's own level in the window ending 2026-01-02" in quiet.reason, quiet.reason
    gate = policy.judge([], {**current, "realized": 0.80}, RULES, champion_gate=GATE, metric="roc_auc",
                        min_labels=100)  # no rejected retrain: the gate, as before
    assert "on 500 labels vs 0.9000 at the champion's gate: worse by" in gate.reason, gate.reason


def test_a_loss_names_the_window_only_for_the_statistics_rebased_on_it():
    """``policy.reference`` re-bases each statistic the rejected window has (a window whose labels
    were all one class has no ROC AUC — core records ``realized`` None — but a Brier score): a ROC
    AUC loss then is still against the gate, and its reason must say so, not name the window."""
    gate = {**GATE, "brier": 0.10, "brier_se": 0.01}
    rejected = {**record(1, "1", None), "realized_se": None, "brier": 0.12, "brier_se": 0.01, "triggered": True,
                "window_end": "2026-01-02T00:00:00+00:00"}
    current = {**record(2, "1", 0.80), "brier": 0.12, "brier_se": 0.01, "window_end": "2026-01-03T00:00:00+00:00"}
    verdict = policy.judge([rejected], current, RULES, champion_gate=gate, metric="roc_auc", min_labels=100)
    assert verdict.rule == "realized_z"
    assert "on 500 labels vs 0.9000 at the champion's gate: worse by" in verdict.reason, verdict.reason


def test_a_quiet_summary_against_a_rebased_reference_names_the_window():
    """A quiet reason stands alone (MLflow tag ``reason``, the run's log): "vs 0.8000 at that level"
    names no level; it says whose level it is, as the firing reason does."""
    rejected = {**record(1, "1", 0.80, se=0.01), "triggered": True, "window_end": "2026-01-02T00:00:00+00:00"}
    current = {**record(2, "1", 0.80), "window_end": "2026-01-03T00:00:00+00:00"}
    quiet = policy.judge([rejected], current, RULES, champion_gate=GATE, metric="roc_auc", min_labels=100)
    assert not quiet.fire
    assert ("roc_auc 0.8000 vs 0.8000 at the champion's own level in the window ending 2026-01-02T00:00:00+00:00"
            in quiet.reason), quiet.reason


def test_a_realized_drop_against_a_rebased_reference_names_it():
    """``policy.judge`` hands ``realized_drop`` the re-based reference too (``champion_metric``):
    "below the champion's validation 0.8000" sends a user to a validation score of 0.90."""
    rejected = {**record(1, "1", 0.80, se=0.01), "triggered": True, "window_end": "2026-01-02T00:00:00+00:00"}
    current = {**record(2, "1", 0.70), "window_end": "2026-01-03T00:00:00+00:00"}
    verdict = policy.judge([rejected], current, {"realized_drop": 0.05}, champion_gate=GATE, metric="roc_auc",
                           min_labels=100, champion_metric=0.90)
    assert verdict.rule == "realized_drop", verdict.reason
    assert ("0.1000 below the champion's own level in the window ending 2026-01-02T00:00:00+00:00 (its retrain "
            "there did not replace it) 0.8000" in verdict.reason), verdict.reason
    gate = policy.judge([], dict(current), {"realized_drop": 0.05}, champion_gate=GATE, metric="roc_auc",
                        min_labels=100, champion_metric=0.90)
    assert "0.2000 below the champion's validation 0.9000" in gate.reason, gate.reason
