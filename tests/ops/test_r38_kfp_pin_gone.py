"""A schedule whose pinned pipeline version (or pipeline) was deleted in KFP.

``ctloop apply`` pins the ``continuous-training`` version in the model's ``ct-`` schedule and the
``rollout`` version in its description (``ctloop-pin:rollout=<pipeline id>/<version id>``); the
monitoring trigger and ``ctloop approve`` start those. Someone deletes that version in the KFP UI
(or the whole pipeline, with its versions): the schedule stays. Modelled on kubeflow/pipelines
2.17.0 (``tests/doubles/kfp_cli.py`` ``KfpWithDeletes``): ``GET /pipelines/{id}/versions/{vid}`` is
404 (``backend/src/apiserver/storage/pipeline_store.go`` ``getPipelineVersionByCol``:
``ResourceNotFoundError("PipelineVersion", id)``, through ``server/pipeline_server.go``
``GetPipelineVersion``), ``GET /pipelines/{id}`` of a deleted pipeline 404, and ``POST /runs`` of a
deleted version 500 (``backend/src/apiserver/resource/resource_manager.go`` ``CreateRun``:
``NewInternalServerError(..., "Failed to create a run due to error fetching manifest")``).

Before: the trigger and approve got the 500 (``approve`` then said a workflow may have started and
to check ``kubectl get workflows``), or, with the ``continuous-training`` pipeline deleted, the
bare "KFP API get pipeline failed: HTTP 404 ... check --host and the ids". Now: one line naming the
schedule, the pipeline and the missing version, saying to run ``ctloop apply -f ctloop.yaml`` again;
no other version is started (the spec pinned the code); the monitoring window is marked failed, a
retrain that did not start (its budget refunded, no cooldown).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop import approval
from ctloop.cli import main
from ctloop.errors import PlatformError
from ctloop.monitoring import trigger
from ctloop.monitoring.store import to_record
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import KfpWithDeletes, kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

GOLDEN = REPO / "tests" / "golden" / "pipelines"
MODEL = "credit-pin-gone"
SCHEDULE = f"ct-{MODEL}"
ROLLOUT = {"approval": "required", "inference_service": "credit-default", "namespace": "ctloop"}


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path, cls=KfpWithDeletes) as double:
        yield double


def _apply(kfp) -> dict[str, tuple[str, str]]:
    """What ``ctloop apply`` does for a model with ``rollout.approval: required``: both pipelines
    uploaded, the ct- schedule running continuous-training and pinning rollout."""
    platform = Platform(host=kfp.url)
    ct = platform.ensure_pipeline("continuous-training", GOLDEN / "continuous-training.yaml")
    rollout = platform.ensure_pipeline("rollout", GOLDEN / "rollout.yaml")
    experiment_id = platform.ensure_experiment("ctloop")
    platform.reconcile_schedule(experiment_id=experiment_id, job_name=SCHEDULE, pipeline_id=ct.pipeline_id,
                                version_id=ct.version_id, cron="0 0 3 * * *", params={},
                                pins={"rollout": (rollout.pipeline_id, rollout.version_id)})
    return {"continuous-training": (ct.pipeline_id, ct.version_id), "rollout": (rollout.pipeline_id, rollout.version_id)}


def _start(kfp, pipeline: str) -> str:
    return Platform(host=kfp.url).create_run(pipeline, experiment="ctloop", run_name="r", schedule=SCHEDULE)


@pytest.mark.parametrize("pipeline", ["continuous-training", "rollout"])
@pytest.mark.parametrize("deleted", ["version", "pipeline"])
def test_a_deleted_pin_is_refused_in_one_line_naming_it(kfp, pipeline, deleted):
    pins = _apply(kfp)
    pid, vid = pins[pipeline]
    if deleted == "version":
        kfp.delete_version(vid)
    else:
        kfp.delete_pipeline(pid)
    with pytest.raises(PlatformError) as caught:
        _start(kfp, pipeline)
    line = str(caught.value)
    assert "\n" not in line
    assert SCHEDULE in line and f"pipeline {pipeline}" in line and vid in line and pid in line, line
    assert "deleted" in line and "`ctloop apply -f ctloop.yaml` again" in line, line
    assert ("with its versions" in line) == (deleted == "pipeline"), line
    assert "check --host" not in line and "HTTP 500" not in line, line
    assert not kfp.state.runs  # no other version started in its place


def test_apply_again_pins_a_new_version_and_runs_start_again(kfp):
    pins = _apply(kfp)
    kfp.delete_version(pins["rollout"][1])
    kfp.delete_pipeline(pins["continuous-training"][0])
    again = _apply(kfp)  # uploads both again (their content is no longer there), replaces the schedule
    assert again["rollout"][1] != pins["rollout"][1] and again["continuous-training"] != pins["continuous-training"]
    for pipeline in ("continuous-training", "rollout"):
        run = _start(kfp, pipeline)
        assert kfp.state.runs[run]["pipeline_version_reference"]["pipeline_version_id"] == again[pipeline][1]


def test_the_monitoring_trigger_marks_the_window_not_started(kfp, sqlite_tracking):
    from tests.monitoring.trigger_support import trigger_loop

    pins = _apply(kfp)
    kfp.delete_version(pins["continuous-training"][1])
    registry, store, _ = trigger_loop(sqlite_tracking, MODEL)
    window = store.record(window_end=pd.Timestamp("2026-12-05T01:00:00Z"), metrics={"rows": 100.0, "budget": 2.0},
                          tags={"trigger_seen": store.last_trigger()}, retrain=True, rule="drift",
                          reason="drift on x", metric="", warnings=[])
    with pytest.raises(PlatformError) as caught:
        trigger.start_training(registry, store, lambda: Platform(host=kfp.url), model_name=MODEL,
                               reason="drift on x", params={}, experiment="ctloop", monitor_run_id=window)
    line = str(caught.value)
    assert "\n" not in line and SCHEDULE in line and pins["continuous-training"][1] in line, line
    assert "`ctloop apply -f ctloop.yaml` again" in line, line
    assert not kfp.state.runs
    run = store.client.get_run(window)
    assert run.data.tags["triggered"] == "failed" and SCHEDULE in run.data.tags["trigger_error"]
    record = to_record(run)
    assert record["triggered"] is False and record["budget"] == 3.0  # not started: the budget refunded
    (event,) = [e for e in registry.audit_log(MODEL) if e.get("event") == "retrain_trigger_failed"]
    assert pins["continuous-training"][1] in event["error"]


def test_approve_refuses_and_stays_pending_until_apply_runs_again(kfp, sqlite_tracking, capsys):
    from tests.doubles.kfp_cli import one_error_line
    from tests.integration.registry_support import register_fitted

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300)})
    frame["y"] = (frame.x > 0).astype(int)
    registry = register_fitted(sqlite_tracking, MODEL, frame, seeds=(1, 2))
    approval.request(registry, MODEL, "2", reason="approval required", rollout=ROLLOUT)
    pins = _apply(kfp)
    kfp.delete_version(pins["rollout"][1])
    argv = ["approve", "--model-name", MODEL, "--version", "2", "--reason", "fairness review passed", "--by", "alice",
            "--tracking-uri", sqlite_tracking, "--host", kfp.url, "--experiment", "ctloop"]
    capsys.readouterr()
    assert main(argv) != 0
    line = one_error_line(capsys)
    assert SCHEDULE in line and "pipeline rollout" in line and pins["rollout"][1] in line, line
    assert "kubectl get workflows" not in line and "`ctloop apply -f ctloop.yaml` again" in line, line
    assert not kfp.state.runs and approval.pending(registry, MODEL).version == "2"
    again = _apply(kfp)
    assert main(argv) == 0
    (run,) = kfp.state.runs.values()
    assert run["pipeline_version_reference"]["pipeline_version_id"] == again["rollout"][1]
    assert approval.pending(registry, MODEL) is None
