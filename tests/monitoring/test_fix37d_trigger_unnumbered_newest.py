"""During an upgrade, a pod still on the older ctloop triggers windows without ``trigger_seq``.
Once any window had a number, the newest trigger was the highest number only: a retrain the old pod
started later was never the newest, and a new pod judging the same window (it saw the numbered
trigger, and that is still "the latest") started a second retrain. An un-numbered trigger whose run
started after the highest numbered one's is now the newest. A real (sqlite) MLflow store."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.monitoring import trigger
from tests.monitoring.trigger_support import trigger_loop

MODEL = "credit-upgrade"


@pytest.fixture
def loop(sqlite_tracking):
    return trigger_loop(sqlite_tracking, MODEL)


def _window(store, end: str, seen: str) -> str:
    return store.record(window_end=pd.Timestamp(end), metrics={"rows": 100.0}, tags={"trigger_seen": seen},
                        retrain=True, rule="drift", reason="drift on x", metric="", warnings=[])


def _trigger(registry, store, platform, run_id) -> str:
    return trigger.start_training(registry, store, platform, model_name=MODEL, reason="drift on x", params={},
                                  experiment="e", monitor_run_id=run_id)


def _old_pod_trigger(registry, run_id, kfp_run):
    """What a pod on the older ctloop wrote: triggered, then kfp_run — no trigger_seq."""
    registry.client.set_tag(run_id, "triggered", "true")
    registry.client.set_tag(run_id, "kfp_run", kfp_run)


def test_an_unnumbered_trigger_started_later_is_the_newest(loop):
    registry, store, platform = loop
    for hour in range(1, 7):  # numbered triggers: more than the few runs read by number
        assert _trigger(registry, store, platform, _window(store, f"2026-12-05T0{hour}:00:00Z", store.last_trigger()))
    assert store.last_trigger() == "kfp-run-6"
    seen = store.last_trigger()
    old, new = _window(store, "2026-12-05T08:00:00Z", seen), _window(store, "2026-12-05T08:00:00Z", seen)
    _old_pod_trigger(registry, old, "kfp-old-pod")
    assert store.last_trigger() == "kfp-old-pod"
    assert _trigger(registry, store, platform, new) == ""  # skipped: a retrain started after it was judged
    assert platform.runs == [f"kfp-run-{n}" for n in range(1, 7)]
    # the next numbered trigger follows the highest number, and is the newest again
    assert _trigger(registry, store, platform, _window(store, "2026-12-05T09:00:00Z", store.last_trigger()))
    assert store.last_trigger() == "kfp-run-7"
    assert registry.client.get_run(store_run := store.client.search_runs(
        [store.experiment_id(create=False)], filter_string="tags.kfp_run = 'kfp-run-7'")[0].info.run_id
    ).data.tags["trigger_seq"] == f"{7:012d}", store_run


def test_an_unnumbered_trigger_started_before_stays_older(loop):
    registry, store, platform = loop
    old = _window(store, "2026-12-05T01:00:00Z", store.last_trigger())
    _old_pod_trigger(registry, old, "kfp-old-pod")
    assert store.last_trigger() == "kfp-old-pod"
    assert _trigger(registry, store, platform, _window(store, "2026-12-05T02:00:00Z", "kfp-old-pod"))
    assert store.last_trigger() == "kfp-run-1"
