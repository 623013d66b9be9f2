"""A monitoring window judged again (a retried or re-run monitoring step) after it asked for a
retrain that started: the re-run is in the cooldown of that very trigger and asks for nothing, and
the next window must still see the retrain — its budget spent, the recovery it started — read from
a real MLflow monitoring store (:meth:`MonitoringStore.history`, :func:`policy.judge`)."""

from __future__ import annotations

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from ctloop.components.monitor import core
from ctloop.monitoring import policy
from ctloop.monitoring.store import MonitoringStore

RULES = {"realized_z": 2.326, "cusum_h": 5.0, "cooldown": "12h"}
GATE = {"roc_auc": 0.90, "roc_auc_se": 0.01}


def window(day: int, realized: float) -> dict:
    return {"window_end": (pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=day)).isoformat(),
            "champion_version": "1", "rows": 500, "drift_share": 0.0, "realized": realized, "realized_rows": 500,
            "realized_se": 0.01}


def judge_and_record(store: MonitoringStore, current: dict, *, started: bool = True, rules: dict = RULES) -> dict:
    history = store.history(window_end=current["window_end"], need=1, window="1D")
    verdict = policy.judge(history, current, rules, champion_gate=GATE, metric="roc_auc", min_labels=100,
                           window="1D")
    series, tags = core.carried(current)
    series.update({k: float(current[k]) for k in ("rows", "drift_share", "realized", "realized_rows")})
    run = store.record(window_end=pd.Timestamp(current["window_end"]), metrics=series,
                       tags={**tags, "champion_version": current["champion_version"]}, retrain=verdict.fire,
                       rule=verdict.rule, reason=verdict.reason, metric="roc_auc", warnings=[])
    if verdict.fire and started:
        store.mark_triggered(run, "kfp-run")
    return current


@pytest.fixture
def tracking(sqlite_tracking):
    import mlflow

    before = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(sqlite_tracking)  # the store writes its runs with mlflow.start_run
    yield sqlite_tracking
    mlflow.set_tracking_uri(before)


def test_a_rerun_of_a_triggered_window_keeps_its_retrain_for_the_next_window(tracking):
    sqlite_tracking = tracking
    store = MonitoringStore(MlflowClient(sqlite_tracking), "credit")
    for day in range(1, 7):  # quiet windows: the budget fills up to its burst
        judge_and_record(store, window(day, 0.90))
    loss = judge_and_record(store, window(7, 0.80))  # a confident loss: retrain, a recovery starts
    assert loss["rule"] == "realized_z" and loss["triggered"] and loss["change"] == loss["window_end"]
    rerun = judge_and_record(store, window(7, 0.80))  # the same window again: in that trigger's cooldown
    assert rerun["rule"] == "cooldown" and not rerun["triggered"]
    after = judge_and_record(store, {**window(8, 0.90), "champion_version": "2"})
    straight = MonitoringStore(MlflowClient(sqlite_tracking), "straight")  # the same windows, no re-run
    for day in range(1, 7):
        judge_and_record(straight, window(day, 0.90))
    judge_and_record(straight, window(7, 0.80))
    expected = judge_and_record(straight, {**window(8, 0.90), "champion_version": "2"})
    state = ("rule", "budget", "change", "gap", "train_since")
    assert [after[k] for k in state] == [expected[k] for k in state]
    assert after["change"] == loss["window_end"]  # the recovery the loss started goes on


def test_a_rerun_ending_minutes_later_is_the_same_window(tracking):
    """A pipeline re-run without ``as_of`` ends its window at "now" (steps.context: ``utc_now()``), a
    few minutes after the run it repeats: the rules count it as the same window (within half a
    window, rules.consecutive_windows), so the store must too — else the next window reads the
    re-run, in the trigger's cooldown, and loses the retrain's budget spend and recovery."""
    sqlite_tracking = tracking
    store = MonitoringStore(MlflowClient(sqlite_tracking), "credit")
    for day in range(1, 7):
        judge_and_record(store, window(day, 0.90))
    loss = judge_and_record(store, window(7, 0.80))
    assert loss["triggered"]
    later = (pd.Timestamp(loss["window_end"]) + pd.Timedelta(minutes=7)).isoformat()
    rerun = judge_and_record(store, {**window(7, 0.80), "window_end": later})
    assert rerun["rule"] == "cooldown" and not rerun["triggered"]
    after = judge_and_record(store, {**window(8, 0.90), "champion_version": "2"})
    straight = MonitoringStore(MlflowClient(sqlite_tracking), "straight")
    for day in range(1, 7):
        judge_and_record(straight, window(day, 0.90))
    judge_and_record(straight, window(7, 0.80))
    expected = judge_and_record(straight, {**window(8, 0.90), "champion_version": "2"})
    state = ("rule", "budget", "change", "gap", "train_since", "cusum")
    assert [after[k] for k in state] == [expected[k] for k in state]


@pytest.mark.parametrize("minutes", [0, 7])
def test_a_rerun_of_a_triggered_window_without_a_cooldown_asks_for_no_second_retrain(tracking, minutes):
    """With ``cooldown: null`` nothing kept a re-run of a window that started a retrain from firing
    the same loss again: two continuous-training runs for one window, on one token of the budget."""
    store = MonitoringStore(MlflowClient(tracking), "credit")
    rules = {k: v for k, v in RULES.items() if k != "cooldown"}
    for day in range(1, 7):
        judge_and_record(store, window(day, 0.90), rules=rules)
    loss = judge_and_record(store, window(7, 0.80), rules=rules)
    assert loss["rule"] == "realized_z" and loss["triggered"]
    again = window(7, 0.80)
    again["window_end"] = (pd.Timestamp(again["window_end"]) + pd.Timedelta(minutes=minutes)).isoformat()
    rerun = judge_and_record(store, again, rules=rules)
    assert not rerun["triggered"], rerun["rule"]
    if not minutes:  # the same loss fires again (minutes later the original's window re-bases it: no loss)
        assert rerun["rule"] == "cooldown"
    after = judge_and_record(store, {**window(8, 0.90), "champion_version": "2"}, rules=rules)
    assert after["change"] == loss["window_end"]  # the next window reads the run that started the retrain
