"""set_traffic and rollback's last step (promote_patch once the champion's revision is ready)
patched without a precondition: a change landing between their read and their patch (an
operator's ``kubectl patch`` pin-back to 0 %, another run's model) was overwritten — the bad
canary got its share back, or an unjudged model 100 %. Their patches now carry the read
``metadata.resourceVersion``, as promote's do: the API server answers a stale one with 409
Conflict (OptimisticLockErrorMsg, k8s.io/apiserver ``pkg/registry/generic/registry/store.go``);
the state is read again and the write is retried only when that write left the spec alone
(``metadata.generation`` unchanged: a label, an annotation), else ChangedOutside and nothing
written. A 409 to our own resent patch (its first answer lost) is our write landed.
Through KubeApiDouble."""

from __future__ import annotations

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, with_canary
from tests.serving.test_fix37c_promote_resource_version import Meanwhile

NS, NAME = "ml", "credit-default"
V1, V2 = "gs://models/run1/artifacts/model-joblib", "gs://models/run2/artifacts/model-joblib"
V3 = "gs://models/run3/artifacts/model-joblib"


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double


@pytest.fixture
def isvcs(kube):
    return with_canary(InferenceServices(NS, api_client=kube.api_client()), NAME, V1, V2)


def _predictor(kube):
    return kube.objects[(NS, NAME)]["spec"]["predictor"]


class Before:
    """The seam, with ``change`` written by someone else just before the patch matching ``when``."""

    def __init__(self, isvcs, change, when):
        self.isvcs, self.change, self.when, self.namespace = isvcs, change, when, isvcs.namespace

    def get(self, name):
        return self.isvcs.get(name)

    def revision_source(self, revision):
        return self.isvcs.revision_source(revision)

    def patch(self, name, patch):
        if self.change and self.when(patch):
            self.isvcs.patch(name, self.change)
            self.change = None
        return self.isvcs.patch(name, patch)


def test_a_pin_back_between_set_traffics_read_and_patch_is_not_overwritten(isvcs, kube):
    with pytest.raises(rollout.ChangedOutside, match="changed outside"):
        rollout.set_traffic(Meanwhile(isvcs, specs.pin_back_patch()), NAME, 50, timeout_s=5)
    assert _predictor(kube)["canaryTrafficPercent"] == 0  # the operator's pin-back kept


def test_another_model_between_set_traffics_read_and_patch_keeps_its_share(isvcs, kube):
    other = specs.canary_patch(version="3", storage_uri=V3, percent=10)
    with pytest.raises(rollout.ChangedOutside):
        rollout.set_traffic(Meanwhile(isvcs, other), NAME, 50, timeout_s=5)
    assert _predictor(kube)["canaryTrafficPercent"] == 10 and _predictor(kube)["model"]["storageUri"] == V3


def test_set_traffic_goes_on_after_a_label_written_meanwhile(isvcs, kube):
    label = {"metadata": {"labels": {"team": "risk"}}}
    state = rollout.set_traffic(Meanwhile(isvcs, label), NAME, 50, timeout_s=5)
    assert state.traffic[state.latest_revision] == 50 and _predictor(kube)["canaryTrafficPercent"] == 50
    sent = [body for method, _path, body in kube.calls if method == "PATCH"][-1]
    assert sent["metadata"]["resourceVersion"]


def test_set_traffic_whose_own_patch_landed_with_its_answer_lost_finishes(isvcs, kube):
    kube.fail_after_write(504)
    state = rollout.set_traffic(isvcs, NAME, 50, timeout_s=5)
    assert state.traffic[state.latest_revision] == 50


def _is_promote(patch):
    predictor = (patch.get("spec") or {}).get("predictor") or {}
    return "canaryTrafficPercent" in predictor and predictor["canaryTrafficPercent"] is None


def test_another_model_deployed_before_rollbacks_last_patch_is_not_given_all_traffic(isvcs, kube):
    other = specs.canary_patch(version="3", storage_uri=V3, percent=10)
    with pytest.raises(rollout.ChangedOutside, match="changed outside"):
        rollout.rollback(Before(isvcs, other, _is_promote), NAME, version="1", storage_uri=V1, timeout_s=5)
    assert _predictor(kube)["canaryTrafficPercent"] == 10 and _predictor(kube)["model"]["storageUri"] == V3


def test_rollbacks_last_patch_goes_on_after_an_annotation_written_meanwhile(isvcs, kube):
    note = {"metadata": {"annotations": {"note": "incident 42"}}}
    state = rollout.rollback(Before(isvcs, note, _is_promote), NAME, version="1", storage_uri=V1, timeout_s=5)
    assert state.action == "rolled_back" and "canaryTrafficPercent" not in _predictor(kube)
    assert kube.revision_uri(NS, NAME, state.latest_revision) == V1


def test_rollbacks_last_patch_landed_with_its_answer_lost_is_rolled_back(isvcs, kube):
    seam = Before(isvcs, None, _is_promote)
    original = seam.patch

    def patch(name, p):
        if _is_promote(p):
            kube.fail_after_write(504)
        return original(name, p)

    seam.patch = patch
    state = rollout.rollback(seam, NAME, version="1", storage_uri=V1, timeout_s=5)
    assert state.action == "rolled_back" and "canaryTrafficPercent" not in _predictor(kube)


def _is_restore(patch):
    predictor = (patch.get("spec") or {}).get("predictor") or {}
    return (predictor.get("model") or {}).get("storageUri") == V1


def test_another_model_deployed_before_rollbacks_restore_patch_is_not_overwritten(isvcs, kube):
    """Step 2 (the champion's storageUri written back, still at 0 %) is conditional too."""
    other = specs.canary_patch(version="3", storage_uri=V3, percent=10)
    with pytest.raises(rollout.ChangedOutside, match="changed outside"):
        rollout.rollback(Before(isvcs, other, _is_restore), NAME, version="1", storage_uri=V1, timeout_s=5)
    assert _predictor(kube)["canaryTrafficPercent"] == 10 and _predictor(kube)["model"]["storageUri"] == V3


def test_a_pin_back_before_a_rerun_deploy_resets_the_canary_share_is_not_overwritten(isvcs, kube):
    """deploy run again over its own canary (the spec names it, at 10 %) moves it back to the
    plan's first step: that traffic patch is conditional too."""
    def to_first_step(patch):
        return (patch.get("spec") or {}).get("predictor", {}).get("canaryTrafficPercent") == 5
    with pytest.raises(rollout.ChangedOutside, match="changed outside"):
        rollout.deploy(Before(isvcs, specs.pin_back_patch(), to_first_step), name=NAME, model_name="credit",
                       version="2", storage_uri=V2, percent=5, timeout_s=5)
    assert _predictor(kube)["canaryTrafficPercent"] == 0  # the operator's pin-back kept
