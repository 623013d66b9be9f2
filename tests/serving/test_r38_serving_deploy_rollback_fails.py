"""``deploy_canary`` whose deploy failed rolls the spec back to the champion; when that rollback
failed too (the champion's new revision did not start either: a node, a registry, the model
files), the step's one line was the rollback's error alone — "champion revision ready (still at
0 %) will not be reached …" — and never said that deploying the new version had failed, nor why.
It now says both. Real MLflow store (sqlite), KubeApiDouble through the component's kubeconfig
path; revision failures as Knative reports them (knative-v1.21.1 ``configuration_lifecycle.go``
``MarkLatestCreatedFailed``, KServe v0.20.0 ``PredictorConfigurationReady``).
"""

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import ServingError
from ctloop.serving import release
from ctloop.serving.kube import InferenceServices
from ctloop.storage import kserve_storage_uri
from tests.serving.test_rollout_components import ISVC, MODEL, NS, RELEASE, kube, registered

__all__ = ["kube", "registered"]  # fixtures


def test_a_failed_deploy_whose_rollback_fails_too_says_both(registered, kube):
    _, registry = registered
    cfg = RolloutConfig(**RELEASE)
    isvcs = InferenceServices(NS)
    release.deploy(registry, isvcs, model_name=MODEL, version="1", cfg=cfg)
    assert registry.champion(MODEL).version == "1"
    for version in ("1", "2"):
        kube.fail_revisions(kserve_storage_uri(registry.model_artifact_uri(MODEL, version)))
    with pytest.raises(ServingError) as info:
        release.deploy(registry, isvcs, model_name=MODEL, version="2", cfg=cfg)
    message = str(info.value)
    assert message.startswith(f"deploying {MODEL} v2 to {ISVC} failed (InferenceService {NS}/{ISVC}: canary "
                              'revision ready with 5 % traffic will not be reached: Revision "credit-predictor-00002" '
                              "failed"), message
    assert f"; rolling back to v1 failed too (InferenceService {NS}/{ISVC}: champion revision ready (still at 0 %) " \
           'will not be reached: Revision "credit-predictor-00003" failed' in message, message
    assert "\n" not in message
    assert kube.traffic(NS, ISVC) == {"credit-predictor-00001": 100}  # the pin-back held
    assert "traffic is on credit-predictor-00001" in message
