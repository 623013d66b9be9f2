"""Which retrain started last (``MonitoringStore.last_trigger``: what a window saw when judged, and
what its trigger compares with before starting one) was the triggered window whose MLflow run
*started* last — ``attributes.start_time``, set from the clock of the pod that wrote the run
(mlflow 3.x ``mlflow/tracking/_tracking_service/client.py`` ``create_run``:
``start_time or get_current_time_millis()``). A pod whose clock ran ahead made its old trigger look
newest for as long as the skew: a retrain started later by another pod was not seen, and a window
judged before it started a second retrain. A started retrain now takes the next number of the
store's own sequence (tag ``trigger_seq``, given under the model's promotion lock) and the newest is
the highest number, whatever the writers' clocks. A real (sqlite) MLflow store, two writers."""

from __future__ import annotations

import pandas as pd
import pytest
from mlflow.tracking._tracking_service import client as tracking_client

from ctloop.monitoring import trigger
from tests.monitoring.trigger_support import trigger_loop

MODEL = "credit-clocks"
REAL = tracking_client.get_current_time_millis


@pytest.fixture
def loop(sqlite_tracking):
    return trigger_loop(sqlite_tracking, MODEL)


def _window(store, end: str, seen: str, monkeypatch, *, skew_h: float = 0.0) -> str:
    """A window asking for a retrain, recorded by a pod whose clock is ``skew_h`` hours off."""
    monkeypatch.setattr(tracking_client, "get_current_time_millis", lambda: REAL() + int(skew_h * 3_600_000))
    try:
        return store.record(window_end=pd.Timestamp(end), metrics={"rows": 100.0}, tags={"trigger_seen": seen},
                            retrain=True, rule="drift", reason="drift on x", metric="", warnings=[])
    finally:
        monkeypatch.setattr(tracking_client, "get_current_time_millis", REAL)


def _trigger(registry, store, platform, run_id) -> str:
    return trigger.start_training(registry, store, platform, model_name=MODEL, reason="drift on x", params={},
                                  experiment="e", monitor_run_id=run_id)


def test_the_newest_trigger_is_the_last_started_whatever_the_pods_clocks(loop, monkeypatch):
    registry, store, platform = loop
    ahead = _window(store, "2026-12-05T01:00:00Z", store.last_trigger(), monkeypatch, skew_h=2)  # pod A: +2 h
    assert _trigger(registry, store, platform, ahead) == "kfp-run-1"
    right = _window(store, "2026-12-05T02:00:00Z", store.last_trigger(), monkeypatch)  # pod B: the right time
    assert _trigger(registry, store, platform, right) == "kfp-run-2"
    assert store.last_trigger() == "kfp-run-2"


def test_a_window_judged_before_a_retrain_started_on_another_pod_starts_none(loop, monkeypatch):
    registry, store, platform = loop
    first = _window(store, "2026-12-05T01:00:00Z", store.last_trigger(), monkeypatch, skew_h=2)
    _trigger(registry, store, platform, first)
    # two monitoring runs of the next window at once, on pods with the right time: both saw kfp-run-1
    judged = [_window(store, "2026-12-05T02:00:00Z", store.last_trigger(), monkeypatch) for _ in range(2)]
    assert _trigger(registry, store, platform, judged[0]) == "kfp-run-2"
    assert _trigger(registry, store, platform, judged[1]) == ""  # it did not see kfp-run-2: nothing started
    assert platform.runs == ["kfp-run-1", "kfp-run-2"]
    tags = registry.client.get_run(judged[1]).data.tags
    assert tags["triggered"] == "false" and "kfp-run-2" in tags["trigger_skipped"]


def test_a_pod_behind_marks_its_newer_trigger_newest(loop, monkeypatch):
    registry, store, platform = loop
    first = _window(store, "2026-12-05T01:00:00Z", "none", monkeypatch)
    _trigger(registry, store, platform, first)
    behind = _window(store, "2026-12-05T02:00:00Z", store.last_trigger(), monkeypatch, skew_h=-3)
    _trigger(registry, store, platform, behind)
    assert store.last_trigger() == "kfp-run-2"


def test_triggers_marked_by_an_older_ctloop_still_count(loop, monkeypatch):
    """Windows triggered before the sequence existed (no ``trigger_seq``): the newest of them by
    its run's start, as before, until a trigger with a number exists."""
    registry, store, platform = loop
    for n, end in enumerate(("2026-12-05T01:00:00Z", "2026-12-05T02:00:00Z"), start=1):
        run_id = _window(store, end, "none", monkeypatch)
        registry.client.set_tag(run_id, "triggered", "true")  # as mark_triggered wrote them before
        registry.client.set_tag(run_id, "kfp_run", f"old-{n}")
    assert store.last_trigger() == "old-2"
    judged = _window(store, "2026-12-05T03:00:00Z", store.last_trigger(), monkeypatch)
    assert _trigger(registry, store, platform, judged) == "kfp-run-1"
    assert store.last_trigger() == "kfp-run-1"
