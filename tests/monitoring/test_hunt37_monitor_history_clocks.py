"""The rules' history (``MonitoringStore.history``) was the newest window runs by
``attributes.start_time`` — the writer's clock (mlflow 3.x ``mlflow/tracking/_tracking_service/client.py``
``create_run``). The window just judged, recorded by a pod whose clock ran a day behind, sorted
below every other run and was left out of the next window's history: its ``previous`` was the
window before (the policy's budget, CUSUM and recovery carried from there, the volume counted
from there), and the drift rule's consecutive windows had a gap. The history now also reads the
newest windows by their ``window_end`` (ISO text in UTC sorts as time), whatever the clocks."""

from __future__ import annotations

import mlflow
import pandas as pd
from mlflow.tracking._tracking_service import client as tracking_client

from ctloop.monitoring.store import MonitoringStore
from ctloop.reports import format_history

REAL = tracking_client.get_current_time_millis
T0 = pd.Timestamp("2026-12-04T00:00:00Z")


def _record(store, end: pd.Timestamp, monkeypatch, skew_h: float = 0.0) -> str:
    monkeypatch.setattr(tracking_client, "get_current_time_millis", lambda: REAL() + int(skew_h * 3_600_000))
    try:
        return store.record(window_end=end, metrics={"rows": 100.0, "drift_share": 0.9}, tags={}, retrain=False,
                            rule="none", reason="", metric="", warnings=[])
    finally:
        monkeypatch.setattr(tracking_client, "get_current_time_millis", REAL)


def test_the_window_a_pod_behind_recorded_is_the_next_windows_previous(sqlite_tracking, monkeypatch):
    mlflow.set_tracking_uri(sqlite_tracking)
    store = MonitoringStore(mlflow.MlflowClient(sqlite_tracking), "credit-behind")
    for hour in range(1, 10):  # hourly windows, written by pods with the right time
        _record(store, T0 + pd.Timedelta(hours=hour), monkeypatch)
    last = _record(store, T0 + pd.Timedelta(hours=10), monkeypatch, skew_h=-24)  # a pod a day behind
    now = (T0 + pd.Timedelta(hours=11)).isoformat()
    history = store.history(window_end=now, need=1, window="1h")
    previous = store.previous(history, now)
    assert previous is not None and previous["run_id"] == last, previous
    assert pd.Timestamp(previous["window_end"]) == T0 + pd.Timedelta(hours=10)


def test_monitor_history_shows_the_newest_windows_whatever_the_pods_clocks(sqlite_tracking, monkeypatch):
    """``ctloop monitor history --limit 3`` (``MonitoringStore.windows``) read the 3 runs started
    last by their writers' clocks: the newest window, recorded by a pod a day behind, was not shown."""
    mlflow.set_tracking_uri(sqlite_tracking)
    store = MonitoringStore(mlflow.MlflowClient(sqlite_tracking), "credit-behind")
    for hour in range(1, 5):
        _record(store, T0 + pd.Timedelta(hours=hour), monkeypatch)
    _record(store, T0 + pd.Timedelta(hours=5), monkeypatch, skew_h=-24)
    shown = store.windows(limit=3)
    assert shown["window_end"].tolist() == [T0 + pd.Timedelta(hours=h) for h in (3, 4, 5)], shown
    # round 58: the history (its table, CSV and JSON) carries what the champion never saw; in this test's store,
    # as a fresh one costs 0.6 s (the process's first 9 s: tests/monitoring/test_r58_monitor_unseen_said.py)
    store.record(window_end=T0, metrics={"rows": 60.0, "realized_rows": 54.0, "unseen_labels": 6.0,
                                         "empty_features": 1.0}, tags={}, retrain=False, rule="none", reason="",
                 metric="roc_auc", warnings=[])
    oldest = store.windows().iloc[:1]
    assert oldest[["unseen_labels", "empty_features"]].to_dict("records") == [
        {"unseen_labels": 6.0, "empty_features": 1.0}]
    head, row = format_history(oldest).splitlines()
    end = head.index("unseen_labels") + len("unseen_labels")  # right-aligned: the count ends where its header ends
    assert row[:end].split()[-1] == "6", (head, row)
