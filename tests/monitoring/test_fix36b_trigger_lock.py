"""A trigger that cannot take the model's promotion lock (held past its timeout by a promotion or
an approval in progress) is a failed trigger like any other: the window is marked
``triggered=failed``, a ``retrain_trigger_failed`` audit event is written, and a one-line
PlatformError is raised — never a RegistryError leaving the window ``pending`` unaudited. A real
(sqlite) MLflow store."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest

from ctloop.errors import PlatformError
from ctloop.monitoring import trigger
from ctloop.monitoring.store import MonitoringStore
from ctloop.registry import MlflowRegistry

MODEL = "credit-locked"


def _window_asking_for_a_retrain(tracking: str):
    mlflow.set_tracking_uri(tracking)
    registry = MlflowRegistry(tracking, lock_timeout_s=0.5)
    registry.client.create_registered_model(MODEL)
    store = MonitoringStore(registry.client, MODEL)
    run_id = store.record(window_end=pd.Timestamp("2026-12-05T00:00:00Z"), metrics={"rows": 120.0},
                          tags={"trigger_seen": "none"}, retrain=True, rule="drift", reason="drift on x",
                          metric="", warnings=[])
    return registry, store, run_id


def test_a_held_lock_is_a_failed_trigger_marked_and_audited(sqlite_tracking):
    registry, store, run_id = _window_asking_for_a_retrain(sqlite_tracking)
    MlflowRegistry(sqlite_tracking)._acquire(MODEL, wait=False)  # a promotion / approval in progress
    started = []
    with pytest.raises(PlatformError, match="promotion lock") as caught:
        trigger.start_training(registry, store, lambda: started.append(1), model_name=MODEL, reason="drift on x",
                               params={}, experiment="e", pipeline="continuous-training", monitor_run_id=run_id)
    assert "\n" not in str(caught.value)
    assert not started
    assert registry.client.get_run(run_id).data.tags.get("triggered") == "failed"
    events = [e for e in registry.audit_log(MODEL) if e.get("event") == "retrain_trigger_failed"]
    assert events and events[-1].get("monitor_run") == run_id


def test_a_held_lock_leaves_a_window_whose_retrain_started_alone(sqlite_tracking):
    """Review E: the trigger step re-run after its retrain started, while that retrain's own
    promotion holds the lock, rewrote the window triggered=true → failed (budget refunded, cooldown
    lost: the next window could start a second retrain). Now it returns the recorded run."""
    registry, store, run_id = _window_asking_for_a_retrain(sqlite_tracking)
    store.mark_triggered(run_id, "kfp-run-1")
    MlflowRegistry(sqlite_tracking)._acquire(MODEL, wait=False)
    assert trigger.start_training(registry, store, lambda: None, model_name=MODEL, reason="drift on x", params={},
                                  experiment="e", pipeline="continuous-training", monitor_run_id=run_id) == "kfp-run-1"
    tags = registry.client.get_run(run_id).data.tags
    assert (tags.get("triggered"), tags.get("kfp_run")) == ("true", "kfp-run-1")
    assert not [e for e in registry.audit_log(MODEL) if e.get("event") == "retrain_trigger_failed"]
