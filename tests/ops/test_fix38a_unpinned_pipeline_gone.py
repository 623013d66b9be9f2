"""A ``ct-`` schedule without a ``ctloop-pin:rollout`` whose own pipeline was deleted in KFP.

``pinned_version(..., "rollout")`` falls back to the pipeline the schedule runs (its
``pipeline_version_reference``); when that pipeline is gone (``GET /pipelines/{id}``: 404, kfp 2.17.0
``storage/pipeline_store.go`` ``ResourceNotFoundError("Pipeline", id)``) its name cannot be read.
The refusal said "pipeline rollout (<continuous-training's id>) was deleted": the wrong pipeline's
name on the other's id. It now names the pipeline by what is known: the schedule runs it, its id.
"""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import KfpWithDeletes, kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")
G = REPO / "tests" / "golden" / "pipelines"
SCHEDULE = "ct-m"


def test_the_refusal_names_the_deleted_pipeline_by_the_schedule_and_its_id(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path, cls=KfpWithDeletes) as kfp:
        platform = Platform(host=kfp.url)
        ct = platform.ensure_pipeline("continuous-training", G / "continuous-training.yaml")
        platform.ensure_pipeline("rollout", G / "rollout.yaml")
        experiment_id = platform.ensure_experiment("ctloop")
        platform.reconcile_schedule(experiment_id=experiment_id, job_name=SCHEDULE, pipeline_id=ct.pipeline_id,
                                    version_id=ct.version_id, cron="0 0 3 * * *", params={})  # no pins
        kfp.delete_pipeline(ct.pipeline_id)
        with pytest.raises(PlatformError) as caught:
            Platform(host=kfp.url).create_run("rollout", experiment="ctloop", run_name="r", schedule=SCHEDULE)
        line = str(caught.value)
        assert "\n" not in line and not kfp.state.runs
        assert f"pipeline rollout ({ct.pipeline_id})" not in line, line
        assert f"schedule {SCHEDULE} runs version {ct.version_id} of pipeline {ct.pipeline_id}" in line, line
        assert "deleted" in line and "`ctloop apply -f ctloop.yaml` again" in line, line
