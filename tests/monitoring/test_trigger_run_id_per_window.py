"""A monitoring trigger whose create KFP carried out but whose answer was lost (a read timeout, a
proxy's 504) was a failed trigger: the window marked ``triggered=failed``, and the step's retry
(``platform.retries``) or the next window started a second retrain beside the first. The retrain's
KFP run id now follows from the window (:func:`ctloop.monitoring.trigger.retrain_run_id`): the lost
answer is checked at once (``Platform.find_run``: ``GET /apis/v2beta1/runs/{id}``, kfp 2.17.0
``backend/src/apiserver/server/run_server.go`` ``GetRun``), and a retry's create of the same id
returns the run that exists (``Platform.create_run``). The real Platform against the KFP API double
(client-chosen run ids as kfp 2.17.0 ``api_converter.go`` ``toModelRun`` keeps them), a real
(sqlite) MLflow store."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import PlatformError
from ctloop.monitoring import trigger
from ctloop.ops.platform import Platform
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
    assert run_id == trigger.retrain_run_id(MODEL, window) and list(kfp.state.runs) == [run_id]
    tags = store.client.get_run(window).data.tags
    assert tags["triggered"] == "true" and tags["kfp_run"] == run_id


def test_a_retry_of_a_window_marked_failed_finds_its_run(kfp, sqlite_tracking, monkeypatch):
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    window = _window(store, "2026-12-05T01:00:00Z")
    _answer_lost(monkeypatch)
    real, lookups = Platform.find_run, []

    def find_run(self, rid):  # create_run's own lookup before it creates answers; the check after it does not
        lookups.append(rid)
        if len(lookups) > 1:
            raise PlatformError("cannot reach KFP at http://kfp: still down")
        return real(self, rid)

    monkeypatch.setattr(Platform, "find_run", find_run)
    with pytest.raises(PlatformError):
        trigger.start_training(registry, store, lambda: Platform(host=kfp.url), model_name=MODEL,
                               reason="drift on x", params={}, experiment="e", monitor_run_id=window)
    assert store.client.get_run(window).data.tags["triggered"] == "failed" and len(kfp.state.runs) == 1
    monkeypatch.undo()  # KFP answers again: the step's retry
    kfp_url = kfp.url
    run_id = trigger.start_training(registry, store, lambda: Platform(host=kfp_url), model_name=MODEL,
                                    reason="drift on x", params={}, experiment="e", monitor_run_id=window)
    assert list(kfp.state.runs) == [run_id] == [trigger.retrain_run_id(MODEL, window)]


def test_each_window_has_its_own_run():
    assert trigger.retrain_run_id("m", "w1") != trigger.retrain_run_id("m", "w2") != trigger.retrain_run_id("n", "w1")
