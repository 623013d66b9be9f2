"""A started retrain was marked on its window with three tag writes (``trigger_seq``, ``kfp_run``,
``triggered=true``): when the 2nd or 3rd failed (an MLflow 503, the pod killed), the window stayed
``triggered=pending`` with ``kfp_run`` set, and the retried step started a second KFP run. The tags
are now one ``MlflowClient.log_batch`` (one request, one store transaction — mlflow 3.x
``store/tracking/sqlalchemy_store.py`` ``log_batch``), and a pending window whose ``kfp_run`` is set
(marked half by an older ctloop) counts as started. A real (sqlite) MLflow store."""

from __future__ import annotations

import pandas as pd
import pytest
from mlflow.exceptions import MlflowException

from ctloop.errors import PlatformError
from ctloop.monitoring import trigger
from tests.monitoring.trigger_support import trigger_loop

MODEL = "credit-marks"


@pytest.fixture
def loop(sqlite_tracking):
    return trigger_loop(sqlite_tracking, MODEL)


def _window(store, end: str) -> str:
    return store.record(window_end=pd.Timestamp(end), metrics={"rows": 100.0},
                        tags={"trigger_seen": store.last_trigger()}, retrain=True, rule="drift",
                        reason="drift on x", metric="", warnings=[])


def _trigger(registry, store, platform, run_id) -> str:
    return trigger.start_training(registry, store, platform, model_name=MODEL, reason="drift on x", params={},
                                  experiment="e", monitor_run_id=run_id)


@pytest.mark.parametrize("failing", ["kfp_run", "triggered"])
def test_a_failed_mark_never_starts_a_second_retrain(loop, monkeypatch, failing):
    registry, store, platform = loop
    _trigger(registry, store, platform, _window(store, "2026-12-05T01:00:00Z"))
    window = _window(store, "2026-12-05T03:00:00Z")
    client = registry.client

    def fail(run_id, key, value, *a, **kw):  # a tag written alone fails (the old three writes)
        if run_id == window and key == failing:
            raise MlflowException("503 Service Unavailable")
        return type(client).set_tag(client, run_id, key, value, *a, **kw)

    def fail_batch(run_id, metrics=(), params=(), tags=(), *a, **kw):  # the batch: all or nothing
        if run_id == window and any(tag.key == failing for tag in tags):
            raise MlflowException("503 Service Unavailable")
        return type(client).log_batch(client, run_id, metrics, params, tags, *a, **kw)

    monkeypatch.setattr(client, "set_tag", fail)
    monkeypatch.setattr(client, "log_batch", fail_batch)
    with pytest.raises(PlatformError, match="kfp-run-2"):
        _trigger(registry, store, platform, window)
    monkeypatch.undo()
    tags = registry.client.get_run(window).data.tags
    assert "kfp_run" not in tags and "trigger_seq" not in tags and tags["triggered"] == "pending"
    # the operator sets the tags the error names; a retried step before that starts nothing new:
    # the window's own trigger_seen still says kfp-run-1, and no retrain is marked after it
    assert platform.runs == ["kfp-run-1", "kfp-run-2"]


def test_a_pending_window_with_its_kfp_run_counts_as_started(loop, capsys):
    registry, store, platform = loop
    window = _window(store, "2026-12-05T01:00:00Z")
    # an older ctloop wrote trigger_seq and kfp_run, then failed before triggered=true
    registry.client.set_tag(window, "trigger_seq", f"{1:012d}")
    registry.client.set_tag(window, "kfp_run", "kfp-run-old")
    assert _trigger(registry, store, platform, window) == "kfp-run-old"
    assert platform.runs == []
    assert "already started" in capsys.readouterr().out
    # and the mark is completed: the next window sees that retrain
    assert registry.client.get_run(window).data.tags["triggered"] == "true"
    assert store.last_trigger() == "kfp-run-old"
