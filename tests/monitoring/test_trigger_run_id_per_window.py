"""A monitoring trigger whose create KFP carried out but whose answer was lost (a read timeout, a
proxy's 504) was a failed trigger: the window marked ``triggered=failed``, and the step's retry
(``platform.retries``) or the next window started a second retrain beside the first. The retrain's
idempotency key now follows from the window (:func:`ctloop.monitoring.trigger.retrain_key`, kept in
the run's description; round 42 fix F2: not its id, tests/monitoring/test_fix42f2_retrain_idempotency_key.py):
the lost answer is checked at once (``Platform.keyed_run``: runs of the experiment filtered by
description, kfp 2.17.0 ``model/run.go`` ``runAPIToModelFieldMap``), and a retry finds the run that
exists instead of creating another. The real Platform against the KFP API double, a real (sqlite)
MLflow store."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import PlatformError
from ctloop.monitoring import trigger
from ctloop.ops.platform import KEY_MARK, Platform
from tests.monitoring.trigger_support import trigger_loop

MODEL = "credit-lost-answer"
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


def _answer_lost(monkeypatch):
    real = Platform._start_run

    def start_run(self, *args, **kwargs):
        real(self, *args, **kwargs)  # KFP created it ...
        raise PlatformError("cannot reach KFP at http://kfp: The read operation timed out")  # ... we never heard

    monkeypatch.setattr(Platform, "_start_run", start_run)


def test_a_create_whose_answer_was_lost_is_the_windows_retrain(kfp, sqlite_tracking, monkeypatch):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    window = _window(store, "2026-12-05T01:00:00Z")
    _answer_lost(monkeypatch)
    run_id = trigger.start_training(registry, store, lambda: Platform(host=kfp.url), model_name=MODEL,
                                    reason="drift on x", params={}, experiment="e", monitor_run_id=window)
    assert list(kfp.state.runs) == [run_id]
    assert kfp.state.runs[run_id]["description"] == KEY_MARK + trigger.retrain_key(MODEL, window)
    tags = store.client.get_run(window).data.tags
    assert tags["triggered"] == "true" and tags["kfp_run"] == run_id


def test_a_retry_of_a_window_marked_failed_finds_its_run(kfp, sqlite_tracking, monkeypatch):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    window = _window(store, "2026-12-05T01:00:00Z")
    _answer_lost(monkeypatch)
    real, keyed, lookups = Platform.find_run, Platform.keyed_run, []

    def look(real_lookup):  # the lookups before the create answer; those after it do not (KFP went away)
        def lookup(self, *args):
            if kfp.state.runs:
                raise PlatformError("cannot reach KFP at http://kfp: still down")
            lookups.append(args)
            return real_lookup(self, *args)
        return lookup

    monkeypatch.setattr(Platform, "find_run", look(real))
    monkeypatch.setattr(Platform, "keyed_run", look(keyed))
    with pytest.raises(PlatformError):
        trigger.start_training(registry, store, lambda: Platform(host=kfp.url), model_name=MODEL,
                               reason="drift on x", params={}, experiment="e", monitor_run_id=window)
    assert store.client.get_run(window).data.tags["triggered"] == "failed" and len(kfp.state.runs) == 1
    assert lookups  # it looked before it created
    monkeypatch.undo()  # KFP answers again: the step's retry
    kfp_url = kfp.url
    run_id = trigger.start_training(registry, store, lambda: Platform(host=kfp_url), model_name=MODEL,
                                    reason="drift on x", params={}, experiment="e", monitor_run_id=window)
    assert list(kfp.state.runs) == [run_id]
    assert kfp.state.runs[run_id]["description"] == KEY_MARK + trigger.retrain_key(MODEL, window)


def test_each_window_has_its_own_run():
    assert trigger.retrain_key("m", "w1") != trigger.retrain_key("m", "w2") != trigger.retrain_key("n", "w1")
