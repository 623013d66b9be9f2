"""A monitoring trigger whose create KFP stored only after ctloop gave up on it: the next window
started a second retrain.

kubeflow/pipelines 2.17.0 ``backend/src/apiserver/resource/resource_manager.go`` ``CreateRun`` creates
the Argo workflow, then stores the run (``storage/run_store.go``: a row lock held past the client's
timeout delays it, MySQL's ``innodb_lock_wait_timeout`` is 50 s). The trigger's create timed out, its
``GET /apis/v2beta1/runs/{id}`` answered 404 (not stored yet), and the window was marked
``triggered=failed`` (a failed trigger starts no cooldown); then the store went through and the retrain
ran. The next window that fired started a second retrain beside it. The retrain's idempotency key (in
the run's description) follows from its window (:func:`ctloop.monitoring.trigger.retrain_key`), so a
trigger now asks KFP for the runs of the windows marked failed since the last retrain: one that exists started after all; it is recorded
(the failed window marked triggered with it) and this window starts nothing (``trigger_skipped``: the
next window decides, in that retrain's cooldown). The real Platform against the KFP API double, a real
(sqlite) MLflow store."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import PlatformError
from ctloop.monitoring import trigger
from ctloop.ops.platform import KEY_MARK, Platform
from tests.monitoring.trigger_support import trigger_loop

MODEL = "credit-late-store"
GOLDEN = "tests/golden/pipelines/continuous-training.yaml"

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    from tests.doubles.kfp_cli import kfp_for_cli
    from tests.helpers import REPO

    with kfp_for_cli(monkeypatch, tmp_path) as double:
        Platform(host=double.url).ensure_pipeline("continuous-training", REPO / GOLDEN)
        yield double


def _window(store, end: str) -> str:
    return store.record(window_end=pd.Timestamp(end), metrics={"rows": 100.0},
                        tags={"trigger_seen": store.last_trigger()}, retrain=True, rule="drift",
                        reason="drift on x", metric="", warnings=[])


def _start(registry, store, url, window):
    return trigger.start_training(registry, store, lambda: Platform(host=url), model_name=MODEL,
                                  reason="drift on x", params={}, experiment="e", monitor_run_id=window)


def test_a_retrain_stored_after_its_trigger_gave_up_is_not_started_twice(kfp, sqlite_tracking, monkeypatch):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    first = _window(store, "2026-12-05T01:00:00Z")
    real, late = Platform._start_run, []

    def start_run(self, *args, **kwargs):  # the create times out before KFP stored the run
        late.append((self, args, kwargs))
        raise PlatformError("KFP API create run: cannot reach KFP at http://kfp: no answer within 30 s")

    monkeypatch.setattr(Platform, "_start_run", start_run)
    with pytest.raises(PlatformError):
        _start(registry, store, kfp.url, first)
    assert store.client.get_run(first).data.tags["triggered"] == "failed" and not kfp.state.runs
    monkeypatch.undo()
    (self_, args, kwargs), = late
    stored = real(self_, *args, **kwargs)  # ... and then KFP stored it: the retrain runs
    assert kfp.state.runs[stored]["description"] == KEY_MARK + trigger.retrain_key(MODEL, first)

    second = _window(store, "2026-12-05T02:00:00Z")
    assert _start(registry, store, kfp.url, second) == ""
    assert list(kfp.state.runs) == [stored]  # no second retrain
    tags = store.client.get_run(second).data.tags
    assert tags["triggered"] == "false" and stored in tags["trigger_skipped"], tags
    first_tags = store.client.get_run(first).data.tags
    assert first_tags["triggered"] == "true" and first_tags["kfp_run"] == stored
    assert store.last_trigger() == stored


def test_a_failed_window_whose_run_never_came_does_not_stop_the_next(kfp, sqlite_tracking, monkeypatch):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    first = _window(store, "2026-12-05T01:00:00Z")

    def start_run(self, *args, **kwargs):
        raise PlatformError("KFP API create run failed: HTTP 500 Internal Server Error: Failed to store run")

    monkeypatch.setattr(Platform, "_start_run", start_run)
    with pytest.raises(PlatformError):
        _start(registry, store, kfp.url, first)
    monkeypatch.undo()
    second = _window(store, "2026-12-05T02:00:00Z")
    run_id = _start(registry, store, kfp.url, second)
    assert list(kfp.state.runs) == [run_id]
    assert kfp.state.runs[run_id]["description"] == KEY_MARK + trigger.retrain_key(MODEL, second)
    assert store.client.get_run(first).data.tags["triggered"] == "failed"
