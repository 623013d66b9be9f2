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
from ctloop.config import GateConfig, MonitoringConfig, MonitoringRules, TrainingConfig
from ctloop.monitoring import policy
from ctloop.monitoring.store import MonitoringStore
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data

RULES = {"realized_z": 2.326, "cusum_h": 5.0}
GATE = {"roc_auc": 0.90, "roc_auc_se": 0.01}


def record(day: int, version: str, realized: float, *, se: float = 0.01, rows: int = 500) -> dict:
    return {"window_end": pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=day), "champion_version": version,
            "rows": rows, "drift_share": 0.0, "realized": realized, "realized_rows": rows, "realized_se": se}


def walk(windows: list[tuple[dict, dict]], **kw) -> list[str]:
    """Judge each ``(record, champion gate)`` in turn; the rules that fired (``none``/``cooldown`` else)."""
    history, rules = [], []
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


def test_retrains_are_min_gap_windows_apart_and_one_not_started_counts_for_nothing():
    loss = [(record(d, str(d), 0.80), GATE) for d in range(1, 5)]  # a new champion each window
    assert walk(loss, min_gap=1, recovery=False) == ["realized_z"] * 4
    assert walk(loss, min_gap=2, recovery=False) == ["realized_z", "cooldown", "realized_z", "cooldown"]
    assert walk(loss, min_gap=3, recovery=False) == ["realized_z", "cooldown", "cooldown", "realized_z"]
    history = [{**record(1, "1", 0.80), "window_end": record(1, "1", 0)["window_end"].isoformat(),
                "triggered": True}]
    policy.not_started(history[0])
    current = {**record(2, "1", 0.80), "window_end": record(2, "1", 0)["window_end"].isoformat()}
    assert policy.spacing(history, current, 2) is None


def gate(delta: float, ci_low: float) -> dict:
    """A champion's registered gate with its comparison to the champion it replaced."""
    return {**GATE, "roc_auc.delta": delta, "roc_auc.ci_low": ci_low}


def test_a_confirmed_loss_starts_a_recovery_that_backs_off_while_retrains_do_not_pay():
    windows = [
        (record(1, "1", 0.80), GATE),  # a confident loss: retrain
        (record(2, "2", 0.90), gate(0.05, 0.02)),  # confidently better: recovery starts (spacing: no retrain)
        (record(3, "2", 0.90), gate(0.05, 0.02)),  # 2 windows since the last retrain
        (record(4, "3", 0.90), gate(0.01, -0.01)),  # paid (delta > 0): gap stays 2
        (record(5, "3", 0.90), gate(0.01, -0.01)),
        (record(6, "4", 0.90), gate(-0.01, -0.03)),  # did not pay: gap 4
        (record(7, "4", 0.90), gate(-0.01, -0.03)),
        (record(8, "4", 0.90), gate(-0.01, -0.03)),
        (record(9, "4", 0.90), gate(-0.01, -0.03)),  # 4 windows since
        (record(10, "4", 0.90), gate(-0.01, -0.03)),  # rejected (the same champion): gap 8
    ]
    rules = walk(windows, min_gap=2)
    assert rules == ["realized_z", "cooldown", "recovery", "cooldown", "recovery", "cooldown", "none", "none",
                     "recovery", "cooldown"]
    assert walk(windows, min_gap=2, recovery=False)[2:] == ["none", "none", "none", "none", "none", "none", "none",
                                                            "none"]
    # 8 windows later the last retry; rejected too, the gap passes MAX_GAP and the recovery ends
    later = [(record(d, "4", 0.90), gate(-0.01, -0.03)) for d in range(11, 40)]
    rules = walk(windows + later, min_gap=2)
    assert rules[10:] == ["none"] * 6 + ["recovery", "cooldown"] + ["none"] * 21


def test_a_loss_whose_retrain_was_not_confidently_better_starts_no_recovery():
    windows = [(record(1, "1", 0.80), GATE), (record(2, "2", 0.90), gate(0.02, -0.01)),
               (record(3, "2", 0.90), gate(0.02, -0.01))]
    assert walk(windows, min_gap=2) == ["realized_z", "cooldown", "none"]


def test_noise_widens_the_realized_rules_on_a_metric_that_varies_more_than_its_sampling_error():
    history: list[dict] = []
    current: dict = {}
    for day, value in enumerate([0.90, 0.80, 0.90, 0.80, 0.90, 0.80, 0.90, 0.80], start=1):
        current = {**record(day, "1", value), "window_end": record(day, "1", 0)["window_end"].isoformat()}
        policy.noise(history[-1] if history else None, current)
        history.append(current)
    # half the mean squared change (0.005) less the sampling variance (1e-4): sd ~0.07
    assert current["realized_noise"] == pytest.approx((0.005 - 1e-4) ** 0.5, rel=0.05)
    # a window 0.10 below the gate is a confident loss on its own, not within that variation
    assert walk([(record(1, "1", 0.80), GATE)], min_gap=1) == ["realized_z"]
    steady = {**record(9, "1", 0.80), "window_end": record(9, "1", 0)["window_end"].isoformat()}
    assert policy.judge(history, steady, {"realized_z": 2.326}, champion_gate=GATE, metric="roc_auc",
                        min_labels=100).rule == "none"


@pytest.fixture(scope="module")
def backtest():
    frame = make_credit_data(n_rows=14000, seed=2)
    cfg = BacktestConfig(target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window="30D", policy="default",
                         train_window="60D", training=TrainingConfig(estimator="logistic_regression"),
                         gate=GateConfig(thresholds={"roc_auc": 0.7}, bootstrap_rounds=100), min_labels=100)
    return cfg, run_backtest(frame, cfg)


def test_the_monitoring_store_carries_the_backtests_policy_state(backtest, sqlite_tracking):
    """Each backtest window record, stripped of what the policy wrote, judged from the history the
    monitoring store reads back: the same rule, CUSUM and recovery state in every window."""
    import mlflow
    from mlflow.tracking import MlflowClient

    cfg, report = backtest
    rules = [w.rule for w in report.windows if w.rule not in ("history", "initial")]
    assert {"realized_z", "cooldown", "recovery"} <= set(rules) or {"cusum", "cooldown"} <= set(rules), rules
    mlflow.set_tracking_uri(sqlite_tracking)
    store = MonitoringStore(MlflowClient(sqlite_tracking), "credit")
    need = core.history_depth(MonitoringConfig(log_root="unused", window=cfg.window, rules=cfg.rules))
    written = ("cusum", "change", "gap", "triggered", "rule", "champion_gate", "realized_excess", "brier_excess",
               "realized_noise", "brier_noise", "noise_n")
    for done in report.records:
        current = {k: v for k, v in done.items() if k not in written}
        current["champion_version"] = str(current["champion_version"])
        history = store.history(window_end=current["window_end"], need=need)
        verdict = policy.judge(history, current, cfg.rules.active(), champion_gate=done["champion_gate"],
                               metric="roc_auc", min_labels=cfg.min_labels, window=cfg.window,
                               recovery=cfg.rules.recovery)
        assert (verdict.rule, current["change"], current["gap"]) == (done["rule"], done["change"], done["gap"]), \
            current["window_end"]
        for key in ("cusum", "realized_noise", "brier_noise"):
            assert current.get(key) == pytest.approx(done.get(key)), (key, current["window_end"])
        series, tags = core.carried(current)
        for key in ("rows", "drift_share", "realized", "realized_rows"):
            if current.get(key) is not None:
                series[key] = float(current[key])
        run = store.record(window_end=pd.Timestamp(current["window_end"]), metrics=series,
                           tags={**tags, "champion_version": current["champion_version"]}, retrain=verdict.fire,
                           rule=verdict.rule, reason=verdict.reason, metric="roc_auc", warnings=[])
        if done["triggered"]:  # the retrain started (trigger_training marks the window)
            store.mark_triggered(run, "kfp-run")


def test_monitoring_rules_default_to_the_recovery():
    assert MonitoringRules().active()["recovery"] is True
