"""deploy's canary / blue-green / first-deployment patches were unconditional: another run's model
written between deploy's read and its patch was overwritten, and deploy answered "canary" for a
spec it never judged. They now carry the read's ``metadata.resourceVersion``; the API server then
answers 409 (k8s.io/apiserver ``pkg/registry/generic/registry/store.go`` OptimisticLockErrorMsg)
and deploy reports the change outside, nothing written. Through KubeApiDouble."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.rollout import ChangedOutside

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))


class Meanwhile:
    """Another writer's patch lands between this rollout's read and its own patch."""

    def __init__(self, isvcs, change):
        self.isvcs, self.change, self.namespace = isvcs, change, isvcs.namespace

    def get(self, name):
        return self.isvcs.get(name)

    def revision_source(self, revision):
        return self.isvcs.revision_source(revision)

    def patch(self, name, patch):
        if self.change:
            self.isvcs.patch(name, self.change)
            self.change = None
        return self.isvcs.patch(name, patch)


@pytest.mark.parametrize("strategy,percent", [("canary", 10), ("blue-green", 10)])
def test_a_model_deployed_between_deploys_read_and_patch_is_not_overwritten(isvcs, kube, strategy, percent):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    other = specs.canary_patch(version="3", storage_uri=V3, percent=10)
    with pytest.raises(ChangedOutside, match="changed outside"):
        rollout.deploy(Meanwhile(isvcs, other), name=NAME, model_name="credit", version="2", storage_uri=V2,
                       percent=percent, strategy=strategy, timeout_s=5)
    pred = isvcs.get(NAME)["spec"]["predictor"]
    assert pred["model"]["storageUri"] == V3 and pred["canaryTrafficPercent"] == 10


def test_a_first_deployment_over_a_failed_one_does_not_overwrite_a_model_deployed_meanwhile(isvcs, kube):
    kube.fail_revisions(V2)
    with pytest.raises(ServingError):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, timeout_s=3)
    other = specs.switch_patch(version="3", storage_uri=V3)
    with pytest.raises(ChangedOutside, match="changed outside"):
        rollout.deploy(Meanwhile(isvcs, other), name=NAME, model_name="credit", version="1", storage_uri=V1,
                       timeout_s=5)
    assert isvcs.get(NAME)["spec"]["predictor"]["model"]["storageUri"] == V3


def test_a_canary_deploy_still_lands_over_a_label_written_meanwhile(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    label = {"metadata": {"labels": {"team": "risk"}}}
    state = rollout.deploy(Meanwhile(isvcs, label), name=NAME, model_name="credit", version="2", storage_uri=V2,
                           percent=10, timeout_s=5)
    assert state.action == "canary"
    pred = isvcs.get(NAME)["spec"]["predictor"]
    assert pred["model"]["storageUri"] == V2 and pred["canaryTrafficPercent"] == 10
