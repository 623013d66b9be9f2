"""A window's retrain found in KFP after its trigger gave up skips the next window's retrain only
while it can still stand for it (review revF 5).

kubeflow/pipelines 2.17.0 ``resource/resource_manager.go`` ``CreateRun`` stores the run after creating
its workflow; a store that outlasted the trigger's timeout left the window marked ``triggered=failed``
while the retrain ran (tests/monitoring/test_r40_kfp_trigger_late_run.py). The next window's trigger
then skipped its own retrain whatever that late run had become: one CANCELED or FAILED (v2beta1
``run.proto`` ``RuntimeState``), or one that SUCCEEDED weeks before, held back a retrain the rules asked
for. The late run's window is still marked triggered with it; this window is skipped only while that
run is live (PENDING, RUNNING, PAUSED; unknown counts as live) or this window ends within the rules'
``cooldown`` of that window's end (as the rules would have judged had the mark been on time: the
monitoring step writes the cooldown on the window, ``trigger_cooldown``); otherwise its retrain starts.
The real Platform against the KFP API double, a real (sqlite) MLflow store.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import PlatformError
from ctloop.monitoring import trigger
from ctloop.ops.platform import KEY_MARK, Platform
from tests.monitoring.test_r40_kfp_trigger_late_run import MODEL, _start
from tests.monitoring.test_r40_kfp_trigger_late_run import kfp as kfp  # noqa: F401 - a fixture
from tests.monitoring.trigger_support import trigger_loop

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def _key_of(kfp, run_id: str) -> str:
    return kfp.state.runs[run_id]["description"].removeprefix(KEY_MARK)


def _window(store, end: str, cooldown: str = "") -> str:
    tags = {"trigger_seen": store.last_trigger(), **({trigger.COOLDOWN_TAG: cooldown} if cooldown else {})}
    return store.record(window_end=pd.Timestamp(end), metrics={"rows": 100.0}, tags=tags, retrain=True,
                        rule="drift", reason="drift on x", metric="", warnings=[])


def _stored_late(registry, store, kfp, monkeypatch, end: str, state: str, cooldown: str = "") -> tuple[str, str]:
    """A window whose create timed out before KFP stored the run; then KFP stored it, and it is now ``state``."""
    window = _window(store, end, cooldown)
    real, late = Platform._start_run, []

    def start_run(self, *args, **kwargs):
        late.append((self, args, kwargs))
        raise PlatformError("KFP API create run: cannot reach KFP at http://kfp: no answer within 30 s")

    monkeypatch.setattr(Platform, "_start_run", start_run)
    with pytest.raises(PlatformError):
        _start(registry, store, kfp.url, window)
    monkeypatch.undo()
    (self_, args, kwargs), = late
    stored = real(self_, *args, **kwargs)
    kfp.set_run_state(stored, state)
    assert store.client.get_run(window).data.tags["triggered"] == "failed"
    return window, stored


@pytest.mark.parametrize("state", ["CANCELED", "FAILED"])
def test_a_late_run_that_ended_without_a_model_does_not_hold_back_the_next(kfp, sqlite_tracking, monkeypatch, state):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    first, stored = _stored_late(registry, store, kfp, monkeypatch, "2026-12-05T01:00:00Z", state)
    second = _window(store, "2026-12-05T09:00:00Z")
    started = _start(registry, store, kfp.url, second)
    assert set(kfp.state.runs) == {stored, started} and _key_of(kfp, started) == trigger.retrain_key(MODEL, second)
    first_tags = store.client.get_run(first).data.tags
    assert first_tags["triggered"] == "true" and first_tags["kfp_run"] == stored  # it did start
    assert store.client.get_run(second).data.tags["triggered"] == "true"


def test_a_late_run_that_succeeded_weeks_ago_does_not_hold_back_the_next(kfp, sqlite_tracking, monkeypatch):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    first, stored = _stored_late(registry, store, kfp, monkeypatch, "2026-12-05T01:00:00Z", "SUCCEEDED", "24h")
    second = _window(store, "2027-01-09T01:00:00Z", "24h")
    started = _start(registry, store, kfp.url, second)
    assert set(kfp.state.runs) == {stored, started} and _key_of(kfp, started) == trigger.retrain_key(MODEL, second)
    assert store.client.get_run(first).data.tags["triggered"] == "true"


def test_a_late_run_within_the_cooldown_still_skips(kfp, sqlite_tracking, monkeypatch):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    first, stored = _stored_late(registry, store, kfp, monkeypatch, "2026-12-05T01:00:00Z", "SUCCEEDED", "24h")
    second = _window(store, "2026-12-05T09:00:00Z", "24h")
    assert _start(registry, store, kfp.url, second) == ""
    assert list(kfp.state.runs) == [stored]
    tags = store.client.get_run(second).data.tags
    assert tags["triggered"] == "false" and stored in tags["trigger_skipped"] and "cooldown" in tags["trigger_skipped"]


@pytest.mark.parametrize("state", ["PENDING", "RUNNING"])
def test_a_live_late_run_skips_whatever_its_age(kfp, sqlite_tracking, monkeypatch, state):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    first, stored = _stored_late(registry, store, kfp, monkeypatch, "2026-12-05T01:00:00Z", state, "1h")
    second = _window(store, "2027-01-09T01:00:00Z", "1h")
    assert _start(registry, store, kfp.url, second) == ""
    assert list(kfp.state.runs) == [stored]
    assert store.client.get_run(first).data.tags["triggered"] == "true"


def test_the_lookups_stay_bounded(kfp, sqlite_tracking, monkeypatch):
    """At most trigger.LATE_WINDOWS failed windows asked for per trigger (each: a list of runs by key in the
    experiment its attempt used; a ``GET /runs/{id}`` only for a window without that tag, marked by an older
    ctloop, which gave the key as the run's id), however many failed."""
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)

    def start_run(self, *args, **kwargs):
        raise PlatformError("KFP API create run failed: HTTP 500 Internal Server Error: Failed to store run")

    for hour in range(1, 8):
        monkeypatch.setattr(Platform, "_start_run", start_run)
        with pytest.raises(PlatformError):
            _start(registry, store, kfp.url, _window(store, f"2026-12-05T0{hour}:00:00Z"))
        monkeypatch.undo()
    asked, find, keyed = [], Platform.find_run, Platform.keyed_run
    monkeypatch.setattr(Platform, "find_run", lambda self, key: asked.append(("get", key)) or find(self, key))
    monkeypatch.setattr(Platform, "keyed_run",
                        lambda self, exp, key: asked.append(("list", key)) or keyed(self, exp, key))
    window = _window(store, "2026-12-05T09:00:00Z")
    started = _start(registry, store, kfp.url, window)
    assert _key_of(kfp, started) == trigger.retrain_key(MODEL, window)
    late = [(how, key) for how, key in asked if key != trigger.retrain_key(MODEL, window)]  # not its own create's
    assert len({key for _, key in late}) == trigger.LATE_WINDOWS == 5 and [how for how, _ in late] == ["list"] * 5
