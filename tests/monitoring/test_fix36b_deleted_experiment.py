"""A deleted ``<model>-monitoring`` experiment is refused in one line before a window is judged,
also when the monitoring step reads the last trigger first (``components/monitor/steps.py``
``context``: ``last_trigger`` then ``history``): the read-only lookup must not cache the deleted
experiment's id and so skip the check. MLflow keeps a deleted experiment's name
(``get_experiment_by_name`` returns it) and refuses runs in it (mlflow 3.x
``sqlalchemy_store.create_run``). A real (sqlite) MLflow store."""

from __future__ import annotations

import mlflow
import pytest
from mlflow import MlflowClient

from ctloop.errors import RegistryError
from ctloop.monitoring.store import MonitoringStore

END = "2026-12-05T00:00:00+00:00"


def test_last_trigger_then_history_of_a_deleted_experiment_is_one_line(sqlite_tracking):
    mlflow.set_tracking_uri(sqlite_tracking)
    client = MlflowClient(sqlite_tracking)
    client.delete_experiment(client.create_experiment("credit-monitoring"))
    store = MonitoringStore(client, "credit")
    assert store.last_trigger() == "none"  # as the monitoring step does, before the history
    with pytest.raises(RegistryError, match=r"'credit-monitoring' \(id \d+\) is deleted.*mlflow experiments restore"):
        store.history(window_end=END, need=3, window="1h")
    assert store.newer_window(__import__("pandas").Timestamp(END)) is None
    assert store.windows().empty
