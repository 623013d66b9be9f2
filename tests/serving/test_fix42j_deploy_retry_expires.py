"""The deploy-retry refusal after a held rollback (fix 42h4: the failed version tagged
``rollback_held`` by this pipeline run) never expired for that run: once the other model left the
spec, KFP's retry of ``deploy_canary`` was still refused. It now holds only while the spec names a
model other than this version and the champion — the overwrite it prevents.

Through KubeApiDouble (``fail_revisions``) and a real MLflow store
(tests/serving/test_rollout_components.py)."""

from __future__ import annotations

from ctloop.components.deploy.component import deploy_canary
from ctloop.serving import isvc as specs
from ctloop.storage import kserve_storage_uri
from tests.serving.test_fix42h4_deploy_retry_after_held import held_deploy
from tests.serving.test_rollout_components import ISVC, MODEL, RELEASE, kube, registered

__all__ = ["kube", "registered"]  # fixtures


def test_the_retry_deploys_once_the_other_model_left_the_spec(registered, kube, monkeypatch):
    """Fix 42j: the refusal never expired for that run. It holds only while the spec names a model
    other than this version and the champion (the overwrite it prevents)."""
    uri, registry = registered
    isvcs, v2_uri = held_deploy(registered, kube, monkeypatch)
    v1_uri = kserve_storage_uri(registry.model_artifact_uri(MODEL, "1"))
    # the other model leaves: the champion's storageUri written back at 100 % (its own rollback)
    isvcs.patch(ISVC, specs.switch_patch(version="1", storage_uri=v1_uri))
    for _ in range(3):
        isvcs.get(ISVC)
    kube.failing_uris.discard(v2_uri)
    deploy_canary.python_func(  # KFP's retry of the step
        model_name=MODEL, version="2", rollout=RELEASE, tracking_uri=uri, pipeline_run_id="run-a"
    )
    pred = isvcs.get(ISVC)["spec"]["predictor"]
    assert pred["model"]["storageUri"] == v2_uri and pred["canaryTrafficPercent"] > 0
