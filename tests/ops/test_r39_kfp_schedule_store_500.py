"""KFP answering ``500`` to a recurring-run create in the middle of ``apply``: half-written state.

kubeflow/pipelines 2.17.0 ``backend/src/apiserver/resource/resource_manager.go`` ``CreateJob``
creates the ScheduledWorkflow in Kubernetes first, then stores the recurring run
(``storage/job_store.go`` ``CreateJob``: ``NewInternalServerError(err, "Failed to store job %v to
table", ...)``, HTTP 500). A failed store leaves a ScheduledWorkflow that starts runs while KFP lists
no recurring run of it; ``apply`` failed with only "HTTP 500 ... Failed to store job", and the next
apply (which cannot see it) made a second one: two trainings per tick. Now the line says a
ScheduledWorkflow may be left and how to find it (its name: ``template/template.go``
``toSWFCRDResourceGeneratedName``, the display name lower-cased, cut to 25 characters).
"""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


class StoreFails(KfpApiDouble):
    """``POST /recurringruns`` makes the ScheduledWorkflow (kept in ``swf``), then the store fails."""

    swf: list[str]

    def dispatch(self, method, path, query, body):
        if method == "POST" and path.endswith("/recurringruns"):
            self.swf = [*getattr(self, "swf", []), body["display_name"]]
            return 500, {"error": "Failed to create a recurring run: InternalServerError: Failed to store job "
                                  f"{body['display_name']} to table: Error 1213: Deadlock found"}
        return super().dispatch(method, path, query, body)


def test_a_500_on_the_store_says_a_scheduled_workflow_may_be_left(monkeypatch, tmp_path):
    from tests.ops.test_platform import isolate_kfp_env

    isolate_kfp_env(monkeypatch, tmp_path)
    with StoreFails() as kfp:
        platform = Platform(host=kfp.url, namespace="team-credit")
        ct = platform.ensure_pipeline("continuous-training", REPO / "tests/golden/pipelines/continuous-training.yaml")
        experiment_id = platform.ensure_experiment("ctloop")
        with pytest.raises(PlatformError) as caught:
            platform.reconcile_schedule(experiment_id=experiment_id, job_name="ct-Credit_Default", pipeline_id=ct.pipeline_id,
                                        version_id=ct.version_id, cron="0 0 3 * * *", params={})
    line = str(caught.value)
    assert "\n" not in line and "HTTP 500" in line and "Failed to store job" in line, line
    assert "kubectl get scheduledworkflows -n team-credit" in line and "ct-creditdefault…" in line, line
