"""``MonitoringStore.newer_window`` (whether a newer window was pushed already, so this one's
Pushgateway push is skipped): one window end far in the future (``as_of`` mistyped as 2099, a pod
clock far ahead) must not hold back every later push until then, and runs someone else wrote with a
``window_end`` tag that is no time (sorting above ISO dates as text) must not hide the newest real
window. A real (sqlite) MLflow store."""

from __future__ import annotations

import mlflow
import pandas as pd
from mlflow import MlflowClient

from ctloop.monitoring.store import MonitoringStore
from ctloop.timeutil import utc_now


def _record(store: MonitoringStore, end: pd.Timestamp) -> str:
    return store.record(window_end=end, metrics={"rows": 120.0}, tags={}, retrain=False, rule="", reason="",
                        metric="", warnings=[])


def test_a_window_end_far_ahead_holds_back_no_push(sqlite_tracking):
    mlflow.set_tracking_uri(sqlite_tracking)
    store = MonitoringStore(MlflowClient(sqlite_tracking), "credit")
    now = pd.Timestamp(utc_now()).floor("h")
    _record(store, now - pd.Timedelta(hours=2))
    _record(store, pd.Timestamp("2099-01-01T00:00:00Z"))
    end = now - pd.Timedelta(hours=1)
    assert store.newer_window(end, _record(store, end)) is None
    # a real backfill is still seen
    assert store.newer_window(now - pd.Timedelta(hours=3)) == end.isoformat()


def test_window_end_tags_that_are_no_time_do_not_hide_the_newest_window(sqlite_tracking):
    mlflow.set_tracking_uri(sqlite_tracking)
    client = MlflowClient(sqlite_tracking)
    store = MonitoringStore(client, "credit")
    newest = pd.Timestamp("2026-12-05T00:00:00Z")
    _record(store, newest)
    for i in range(12):
        client.create_run(store.experiment_id(), tags={"window_end": f"zz-note-{i}"})
    assert store.newer_window(pd.Timestamp("2026-12-01T00:00:00Z")) == newest.isoformat()
