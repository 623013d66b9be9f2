"""A server error before the rollout run is posted does not read as "a rollout may have started".

``Platform.create_run`` checks the pinned version first (``GET /pipelines/{id}/versions/{version id}``,
``_pinned_present``). A transient 500 there (kfp 2.17.0 ``server/pipeline_server.go``
``GetPipelineVersion`` wraps a failed store read, e.g. "driver: bad connection") reached ``ctloop
approve``'s ``_created_anyway``, which said "KFP creates the workflow before it stores the run, so a
rollout may have started without a KFP run: check kubectl get workflows" though nothing was posted.
Only an error of the run create itself (``_start_run``: ``run_create_sent``) may say that now.
"""

from __future__ import annotations

import pytest

from ctloop.cli.approval import _created_anyway
from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import KfpWithDeletes, kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")
G = REPO / "tests" / "golden" / "pipelines"
SCHEDULE = "ct-m"
RUN_ID = "11111111-1111-1111-1111-111111111111"


class FlakyVersionGet(KfpWithDeletes):
    """``GET`` of a pipeline version answers 500 (the store's connection dropped)."""

    def dispatch(self, method, path, query, body):
        if method == "GET" and "/versions/" in path:
            return 500, {"error": "Failed to get a pipeline version: InternalServerError: Failed to get pipeline "
                                  "version: driver: bad connection"}
        return super().dispatch(method, path, query, body)


class FailingRunCreate(KfpWithDeletes):
    """``POST /runs`` answers 500 after the workflow would have been made (nothing stored)."""

    def dispatch(self, method, path, query, body):
        if method == "POST" and path.endswith("/runs"):
            return 500, {"error": "Failed to create a run: InternalServerError: Failed to store run: driver: "
                                  "bad connection"}
        return super().dispatch(method, path, query, body)


def _apply(kfp):
    platform = Platform(host=kfp.url)
    ct = platform.ensure_pipeline("continuous-training", G / "continuous-training.yaml")
    rollout = platform.ensure_pipeline("rollout", G / "rollout.yaml")
    experiment_id = platform.ensure_experiment("ctloop")
    platform.reconcile_schedule(experiment_id=experiment_id, job_name=SCHEDULE, pipeline_id=ct.pipeline_id,
                                version_id=ct.version_id, cron="0 0 3 * * *", params={},
                                pins={"rollout": (rollout.pipeline_id, rollout.version_id)})


def _create(kfp):
    platform = Platform(host=kfp.url)
    with pytest.raises(PlatformError) as caught:
        platform.create_run("rollout", experiment="ctloop", run_name="r", schedule=SCHEDULE, run_id=RUN_ID)
    return platform, caught.value


def test_a_500_on_the_pin_check_is_not_a_maybe_started_rollout(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path, cls=FlakyVersionGet) as kfp:
        _apply(kfp)
        platform, exc = _create(kfp)
        assert not kfp.state.runs and not any(c.method == "POST" and c.path.endswith("/runs") for c in kfp.calls)
        with pytest.raises(PlatformError) as said:
            _created_anyway(platform, exc, RUN_ID, "kubeflow")
        line = str(said.value)
        assert said.value is exc and "bad connection" in line, line
        assert "may have started" not in line and "kubectl get workflows" not in line, line


def test_a_500_on_the_run_create_still_says_a_rollout_may_have_started(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path, cls=FailingRunCreate) as kfp:
        _apply(kfp)
        platform, exc = _create(kfp)
        assert exc.run_create_sent is True
        with pytest.raises(PlatformError) as said:
            _created_anyway(platform, exc, RUN_ID, "kubeflow")
        line = str(said.value)
        assert "may have started" in line and "kubectl get workflows -n kubeflow" in line and RUN_ID in line, line
