"""A schedule retired by someone else between ``apply``'s listing and its retiring is retired, not
an error.

Two ``apply`` runs of one spec at once (two merges, two CI jobs) list the same old schedule; the
first disables and deletes it, the second's disable or delete is then ``404`` (kubeflow/pipelines
2.17.0 ``backend/src/apiserver/resource/resource_manager.go`` ``ChangeJobMode``/``DeleteJob``:
``GetJob`` of a deleted recurring run is ``ResourceNotFoundError``), and the second apply failed
with "HTTP 404 ... check --host and the ids" after creating its schedule.
"""

from __future__ import annotations

import pytest

from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

GOLDEN = REPO / "tests" / "golden" / "pipelines" / "continuous-training.yaml"


def _reconcile(platform: Platform, cron: str):
    upload = platform.ensure_pipeline("continuous-training", GOLDEN)
    experiment_id = platform.ensure_experiment("ctloop")
    return platform.reconcile_schedule(experiment_id=experiment_id, job_name="ct-credit", pipeline_id=upload.pipeline_id,
                                       version_id=upload.version_id, cron=cron, params={})


@pytest.mark.parametrize("gone_before", ["disable", "delete"])
def test_a_schedule_deleted_meanwhile_counts_as_retired(monkeypatch, tmp_path, gone_before):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        old = _reconcile(Platform(host=kfp.url), "0 0 3 * * *").recurring_run_id
        platform = Platform(host=kfp.url)
        method = f"{gone_before}_recurring_run"
        real = getattr(platform.client, method)

        def other_apply_first(rid, *args, **kwargs):
            kfp.state.recurring.pop(rid, None)  # the other apply deleted it just now
            return real(rid, *args, **kwargs)

        monkeypatch.setattr(platform.client, method, other_apply_first)
        result = _reconcile(platform, "0 0 4 * * *")
        assert result.action == "replaced" and result.retired == [old]
        assert list(kfp.state.recurring) == [result.recurring_run_id]
