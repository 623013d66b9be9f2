"""``set_traffic(0)`` on a failed canary (``ctloop rollout canary --percent 0``) wrote its pin
without the resourceVersion it was decided on: another model deployed between its read and that
patch (by hand, or by another run) was pinned at 0 % — a canary nobody judged sent back to the
stable revision, and the other writer's plan silently undone. It is now conditional as every other
write of a rollout (409 → :class:`ChangedOutside`, nothing written; k8s.io/apiserver
``pkg/registry/generic/registry/store.go`` OptimisticLockErrorMsg). Through KubeApiDouble."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.rollout import ChangedOutside

from .test_fix41g_deploy_conditional import Meanwhile

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))


def _failed_canary(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    kube.fail_revisions(V2)
    with pytest.raises(ServingError):
        rollout.deploy(
            isvcs,
            name=NAME,
            model_name="credit",
            version="2",
            storage_uri=V2,
            percent=10,
            timeout_s=3,
        )


def test_a_model_deployed_meanwhile_is_not_pinned_at_zero(isvcs, kube):
    _failed_canary(isvcs, kube)
    other = specs.canary_patch(version="3", storage_uri=V3, percent=20)
    with pytest.raises(ChangedOutside, match="changed outside this rollout"):
        rollout.set_traffic(Meanwhile(isvcs, other), NAME, 0, timeout_s=5)
    pred = isvcs.get(NAME)["spec"]["predictor"]
    assert pred["model"]["storageUri"] == V3 and pred["canaryTrafficPercent"] == 20


def test_the_failed_canary_itself_is_still_pinned_at_zero(isvcs, kube):
    _failed_canary(isvcs, kube)
    state = rollout.set_traffic(isvcs, NAME, 0, timeout_s=5)
    assert state.action == "traffic"
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 0
