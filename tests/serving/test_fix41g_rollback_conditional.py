"""rollback's "no revision ever ready" branch wrote the champion's storageUri unconditionally: a
model deployed between its read and its patch was overwritten and rollback answered rolled_back.
It now carries the read's resourceVersion (409 → ChangedOutside, nothing written; k8s.io/apiserver
``pkg/registry/generic/registry/store.go`` OptimisticLockErrorMsg).

And the storageUri scheme check ran before step 1, the pin-back to 0 %, which needs no champion
URI: a failed canary kept its share when the champion's URI was one KServe v0.20.0 cannot download
(``pkg/controller/v1beta1/inferenceservice/utils/utils.go`` SupportedStorageURIPrefixList). The
canary is now pinned back first, then the restore is refused. Through KubeApiDouble."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.rollout import ChangedOutside

from .test_fix41g_deploy_conditional import Meanwhile

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))


def test_a_model_deployed_meanwhile_is_not_overwritten_by_a_rollback_with_nothing_ready(isvcs, kube):
    kube.fail_revisions(V2)
    with pytest.raises(ServingError):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, timeout_s=3)
    other = specs.switch_patch(version="3", storage_uri=V3)
    with pytest.raises(ChangedOutside, match="changed outside"):
        rollout.rollback(Meanwhile(isvcs, other), NAME, version="1", storage_uri=V1, timeout_s=5)
    assert isvcs.get(NAME)["spec"]["predictor"]["model"]["storageUri"] == V3


def test_a_failed_canary_is_pinned_back_even_when_the_champion_uri_is_unusable(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=50, timeout_s=5)
    stable = rollout.stable_revision(isvcs.get(NAME))
    with pytest.raises(ServingError, match=r"traffic held at 0 %.*champion URI unusable: .*cannot download"):
        rollout.rollback(isvcs, NAME, version="1", storage_uri="runs:/abc/model", timeout_s=5)
    pred = isvcs.get(NAME)["spec"]["predictor"]
    assert pred["canaryTrafficPercent"] == 0 and pred["model"]["storageUri"] == V2  # restore not written
    assert kube.traffic(NS, NAME)[stable] == 100  # the canary's revision listed at 0 %


def test_an_unusable_champion_uri_with_nothing_to_pin_back_writes_nothing(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, timeout_s=5)
    writes = [c for c in kube.calls if c[0] != "GET"]
    with pytest.raises(ServingError, match="cannot download.*nothing written"):
        rollout.rollback(isvcs, NAME, version="1", storage_uri="runs:/abc/model", timeout_s=5)
    assert [c for c in kube.calls if c[0] != "GET"] == writes
