"""A monitoring window's retrain runs once, even after a create KFP answered "Failed to store run".

The trigger gave each window's retrain a KFP run id of its own (uuid5 of the model and the window's
MLflow run) and sent it on every attempt. kubeflow/pipelines 2.17.0
``backend/src/apiserver/resource/resource_manager.go`` ``CreateRun`` creates the Argo workflow
(label ``pipeline/runid=<run id>``) BEFORE it stores the run; ``ReportWorkflowResource`` (same file)
adopts every workflow whose run id has a stored run and deletes only those without one. So the step's
retry after a 500 found no run, created a second workflow under the same id, stored the row, and both
workflows trained under one run: two retrains. Now that uuid5 is an idempotency key kept in the run's
description (``Platform.create_run(key=...)``, found by ``Platform.keyed_run``), and every attempt
sends a run id of its own: the failed attempt's workflow has no row and is deleted. A retrain an older
ctloop started with the uuid5 as its id is still found (no second retrain after an upgrade). The real
Platform against the KFP API double, a real (sqlite) MLflow store.
"""

from __future__ import annotations

import uuid

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import KEY_MARK, Platform
from tests.monitoring.test_r40_kfp_trigger_late_run import MODEL, _start, _window
from tests.monitoring.test_r40_kfp_trigger_late_run import kfp as kfp  # noqa: F401 - a fixture
from tests.monitoring.trigger_support import trigger_loop

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def _old_ctloop_id(window: str) -> str:
    """The run id a ctloop before round 42's fix gave the window's retrain (now its key)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ctloop-retrain:{MODEL}/{window}"))


def test_a_retry_after_a_failed_store_runs_one_retrain(kfp, sqlite_tracking):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    window = _window(store, "2026-12-05T01:00:00Z")
    kfp.fail_run_store = 1  # the first create makes its workflow, then fails to store the run: 500
    with pytest.raises(PlatformError, match="Failed to store run"):
        _start(registry, store, kfp.url, window)
    assert store.client.get_run(window).data.tags["triggered"] == "failed" and not kfp.state.runs
    run_id = _start(registry, store, kfp.url, window)  # the step's retry: the same window
    assert list(kfp.state.runs) == [run_id]
    # the failed attempt's workflow has no row: deleted, not adopted by the retrain's run
    assert kfp.report_workflows() == {run_id: 1}
    assert kfp.state.runs[run_id]["description"] == f"{KEY_MARK}{_old_ctloop_id(window)}"
    tags = store.client.get_run(window).data.tags
    assert tags["triggered"] == "true" and tags["kfp_run"] == run_id
    assert _start(registry, store, kfp.url, window) == run_id and len(kfp.state.runs) == 1


def test_a_failed_store_then_a_late_retrain_is_found_by_its_key(kfp, sqlite_tracking, monkeypatch):
    """A window whose create timed out and was stored later: the next window finds it by its key."""
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    first = _window(store, "2026-12-05T01:00:00Z")
    real, late = Platform._start_run, []

    def start_run(self, *args, **kwargs):
        late.append((self, args, kwargs))
        raise PlatformError("KFP API create run: cannot reach KFP at http://kfp: no answer within 30 s")

    monkeypatch.setattr(Platform, "_start_run", start_run)
    with pytest.raises(PlatformError):
        _start(registry, store, kfp.url, first)
    monkeypatch.undo()
    (self_, args, kwargs), = late
    stored = real(self_, *args, **kwargs)
    second = _window(store, "2026-12-05T02:00:00Z")
    assert _start(registry, store, kfp.url, second) == ""
    assert list(kfp.state.runs) == [stored] and kfp.report_workflows() == {stored: 1}
    assert store.client.get_run(first).data.tags["kfp_run"] == stored


def _old_ctloop_retrain(kfp, store, window: str) -> str:
    """What an older ctloop left: the window's retrain created with the uuid5 as its id (no key), its
    answer lost, the window marked failed."""
    run_id = Platform(host=kfp.url).create_run("continuous-training", experiment="e", params={"model_name": MODEL},
                                               run_name=f"retrain-{MODEL}", run_id=_old_ctloop_id(window))
    store.mark_failed(window, "KFP API create run: cannot reach KFP at http://kfp: no answer within 30 s")
    return run_id


def test_the_retry_of_a_window_an_older_ctloop_started_finds_its_run(kfp, sqlite_tracking):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    window = _window(store, "2026-12-05T01:00:00Z")
    old = _old_ctloop_retrain(kfp, store, window)
    assert _start(registry, store, kfp.url, window) == old
    assert list(kfp.state.runs) == [old] and store.client.get_run(window).data.tags["kfp_run"] == old


def test_a_late_retrain_an_older_ctloop_started_holds_back_the_next_window(kfp, sqlite_tracking):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    first = _window(store, "2026-12-05T01:00:00Z")
    old = _old_ctloop_retrain(kfp, store, first)
    second = _window(store, "2026-12-05T02:00:00Z")
    assert _start(registry, store, kfp.url, second) == ""
    assert list(kfp.state.runs) == [old]
    first_tags = store.client.get_run(first).data.tags
    assert first_tags["triggered"] == "true" and first_tags["kfp_run"] == old
    assert old in store.client.get_run(second).data.tags["trigger_skipped"]
