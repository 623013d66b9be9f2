"""The late-retrain check of a monitoring trigger (:func:`ctloop.monitoring.trigger._late_retrain`) after
round 42 moved the retrain's idempotency key into the run's description (``keyed_run(experiment, key)``).

* It asked only in the experiment ``kfp.experiment`` names now: after that changed, a live retrain of a
  window marked failed (stored in the old experiment after its create was given up on) was missed and a
  second retrain started beside it. A failed attempt now tags its window with the experiment it used
  (``trigger_experiment``), where the check asks.
* It ran ``Platform.prepare_run`` (pin, experiment create, version) first: a refusal there (the pinned
  version deleted) kept a live late retrain from being recorded, and a window that started nothing
  created the experiment and warned about the pin. The lookups now create and resolve nothing.
* Each window marked failed cost a list by key and a ``GET /runs/{key}`` (the id a ctloop before round
  42 sent) under the 300 s promotion lock: the GET is now made only for windows without the tag.

The real Platform against the KFP API double (tests/doubles/kfp_api.py), a real (sqlite) MLflow store.
"""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError, PlatformError
from ctloop.monitoring import trigger
from ctloop.ops.platform import Platform
from tests.monitoring.test_r40_kfp_trigger_late_run import MODEL, _window
from tests.monitoring.test_r40_kfp_trigger_late_run import kfp as kfp  # noqa: F401 - fixture
from tests.monitoring.trigger_support import trigger_loop

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def _start(registry, store, url, window, experiment="e"):
    return trigger.start_training(registry, store, lambda: Platform(host=url), model_name=MODEL,
                                  reason="drift on x", params={}, experiment=experiment, monitor_run_id=window)


def _late(registry, store, kfp, monkeypatch, window, experiment="e"):
    """The window's create times out before KFP stored the run (marked failed); then KFP stores it: live."""
    real, sent = Platform._start_run, []

    def start_run(self, *args, **kwargs):
        sent.append((self, args, kwargs))
        raise PlatformError("KFP API create run: cannot reach KFP at http://kfp: no answer within 30 s")

    with monkeypatch.context() as patch:
        patch.setattr(Platform, "_start_run", start_run)
        with pytest.raises(PlatformError):
            _start(registry, store, kfp.url, window, experiment)
    (self_, args, kwargs), = sent
    return real(self_, *args, **kwargs)


def test_a_late_retrain_is_found_after_kfp_experiment_changed(kfp, sqlite_tracking, monkeypatch):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    first = _window(store, "2026-12-05T01:00:00Z")
    stored = _late(registry, store, kfp, monkeypatch, first, experiment="e")

    second = _window(store, "2026-12-05T02:00:00Z")
    assert _start(registry, store, kfp.url, second, experiment="e2") == ""  # kfp.experiment changed
    assert list(kfp.state.runs) == [stored]  # no second retrain beside the live one
    assert store.client.get_run(first).data.tags["kfp_run"] == stored
    assert stored in store.client.get_run(second).data.tags["trigger_skipped"]
    assert [e["display_name"] for e in kfp.state.experiments.values()] == ["e"]  # e2 not created: nothing started
    assert store.client.get_run(first).data.tags["trigger_experiment"] == kfp.state.runs[stored]["experiment_id"]


def test_a_late_retrain_is_recorded_although_the_pinned_version_is_gone(kfp, sqlite_tracking, monkeypatch, capsys):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    first = _window(store, "2026-12-05T01:00:00Z")
    stored = _late(registry, store, kfp, monkeypatch, first)
    second = _window(store, "2026-12-05T02:00:00Z")

    def refused(self, *args, **kwargs):  # what the pin check raises when the pinned version was deleted
        raise ConfigError("schedule ct-x pins pipeline continuous-training version v-gone, which KFP no longer has")

    monkeypatch.setattr(Platform, "prepare_run", refused)
    capsys.readouterr()
    assert _start(registry, store, kfp.url, second) == ""
    assert store.client.get_run(first).data.tags["kfp_run"] == stored
    assert store.client.get_run(second).data.tags["triggered"] == "false"
    assert "pins" not in capsys.readouterr().err


def test_a_skipping_trigger_creates_no_experiment_and_warns_of_no_pin(kfp, sqlite_tracking, monkeypatch, capsys):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    first = _window(store, "2026-12-05T01:00:00Z")
    stored = _late(registry, store, kfp, monkeypatch, first, experiment="e")
    second = _window(store, "2026-12-05T02:00:00Z")
    capsys.readouterr()
    assert _start(registry, store, kfp.url, second, experiment="elsewhere") == ""
    assert list(kfp.state.runs) == [stored]
    assert "elsewhere" not in {e["display_name"] for e in kfp.state.experiments.values()}
    assert "no schedule" not in capsys.readouterr().err


def test_a_tagged_failed_window_costs_one_lookup(kfp, sqlite_tracking, monkeypatch):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    failed = []
    for hour in (1, 2, 3):  # three windows whose creates failed and were never stored
        window = _window(store, f"2026-12-05T0{hour}:00:00Z")
        with monkeypatch.context() as patch:
            patch.setattr(Platform, "_start_run", lambda *a, **k: (_ for _ in ()).throw(PlatformError("500")))
            with pytest.raises(PlatformError):
                _start(registry, store, kfp.url, window)
        failed.append(window)
    assert all(store.client.get_run(w).data.tags.get("trigger_experiment") for w in failed)
    kfp.calls.clear()
    window = _window(store, "2026-12-05T04:00:00Z")
    started = _start(registry, store, kfp.url, window)
    assert started in kfp.state.runs
    keys = {trigger.retrain_key(MODEL, w) for w in failed}
    asked = [c for c in kfp.calls if c.method == "GET" and c.path.startswith("/apis/v2beta1/runs")]
    # per failed window one list of runs by key, no GET /runs/{key} (no run has a key as its id)
    assert not [c for c in asked if c.path.rsplit("/", 1)[-1] in keys], asked
    # + its own key's lookup, and its list after the create (round 43: creates of one key at once
    # settle on the earliest sent, platform._settle_key)
    assert len([c for c in asked if c.path == "/apis/v2beta1/runs"]) == len(failed) + 2, asked


def test_an_untagged_failed_window_is_still_asked_by_its_key_as_id(kfp, sqlite_tracking, monkeypatch):
    """A window marked failed by a ctloop before round 42 (no tag): its retrain may have its key as its id."""
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    first = _window(store, "2026-12-05T01:00:00Z")
    store.mark_failed(first, "KFP API create run: cannot reach KFP at http://kfp: no answer within 30 s")
    key = trigger.retrain_key(MODEL, first)
    platform = Platform(host=kfp.url)
    prepared = platform.prepare_run("continuous-training", experiment="e", run_name=f"retrain-{MODEL}")
    platform._start_run(prepared.experiment_id, f"retrain-{MODEL}", {}, None, prepared.pipeline_id,
                        prepared.version_id, key)  # what a ctloop before round 42 sent: the key as id
    second = _window(store, "2026-12-05T02:00:00Z")
    assert _start(registry, store, kfp.url, second, experiment="e2") == ""
    assert store.client.get_run(first).data.tags["kfp_run"] == key


def test_the_same_window_rerun_after_the_experiment_changed_finds_its_late_run(kfp, sqlite_tracking, monkeypatch):
    """Review K: the window's own re-run asked only in the experiment kfp.experiment names now, so a
    retrain its first attempt stored late in the old experiment was started a second time."""
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    first = _window(store, "2026-12-05T01:00:00Z")
    stored = _late(registry, store, kfp, monkeypatch, first, experiment="e")
    assert _start(registry, store, kfp.url, first, experiment="e2") == stored
    assert list(kfp.state.runs) == [stored]
