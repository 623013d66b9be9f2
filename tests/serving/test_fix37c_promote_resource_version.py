"""promote reads the InferenceService, checks it still names the canary's model and is promotable,
then patches: a change in between (an operator's pin-back to 0 %, another run's model) was
overwritten — the merge patch carried no precondition, and removing canaryTrafficPercent gave the
unjudged or rolled-back revision 100 %. The patch now carries the read metadata.resourceVersion:
the API server refuses a write whose resourceVersion is no longer the object's with 409 Conflict
("the object has been modified; please apply your changes to the latest version and try again",
OptimisticLockErrorMsg, k8s.io/apiserver ``pkg/registry/generic/registry/store.go``), which is
ChangedOutside; a 409 to our own resent patch (its first answer lost) is not."""

from __future__ import annotations

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, with_canary

NS, NAME = "ml", "credit-default"
V1, V2 = "gs://models/run1/artifacts/model-joblib", "gs://models/run2/artifacts/model-joblib"


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double


@pytest.fixture
def isvcs(kube):
    return with_canary(InferenceServices(NS, api_client=kube.api_client()), NAME, V1, V2)


class Meanwhile:
    """The InferenceServices seam, with ``change`` written by someone else just before the next patch."""

    def __init__(self, isvcs, change):
        self.isvcs, self.change, self.namespace = isvcs, change, isvcs.namespace

    def get(self, name):
        return self.isvcs.get(name)

    def patch(self, name, patch):
        if self.change:
            self.isvcs.patch(name, self.change)
            self.change = None
        return self.isvcs.patch(name, patch)


def test_a_pin_back_between_the_read_and_the_promote_is_not_overwritten(isvcs, kube):
    with pytest.raises(rollout.ChangedOutside, match="changed outside"):
        rollout.promote(Meanwhile(isvcs, specs.pin_back_patch()), NAME, timeout_s=5, storage_uri=V2, version="2")
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 0


def test_another_model_deployed_between_the_read_and_the_promote_gets_no_traffic(isvcs, kube):
    v3 = "gs://models/run3/artifacts/model-joblib"
    other = specs.canary_patch(version="3", storage_uri=v3, percent=10)
    with pytest.raises(rollout.ChangedOutside):
        rollout.promote(Meanwhile(isvcs, other), NAME, timeout_s=5, storage_uri=V2, version="2")
    predictor = kube.objects[(NS, NAME)]["spec"]["predictor"]
    assert predictor["canaryTrafficPercent"] == 10 and predictor["model"]["storageUri"] == v3


def test_the_promote_patch_carries_the_read_resource_version(isvcs, kube):
    rv = kube.objects[(NS, NAME)]["metadata"]["resourceVersion"]
    state = rollout.promote(isvcs, NAME, timeout_s=5, storage_uri=V2, version="2")
    assert state.action == "promoted"
    sent = [body for method, _path, body in kube.calls if method == "PATCH"][-1]
    assert sent["metadata"] == {"resourceVersion": rv}


def test_our_own_promote_applied_with_its_answer_lost_is_promoted(isvcs, kube):
    kube.fail_after_write(504)  # applied, answered 504; the resend carries a stale resourceVersion: 409
    state = rollout.promote(isvcs, NAME, timeout_s=5, storage_uri=V2, version="2")
    assert state.action == "promoted"
    assert "canaryTrafficPercent" not in kube.objects[(NS, NAME)]["spec"]["predictor"]


def test_a_write_that_leaves_the_model_and_split_alone_does_not_stop_the_promote(isvcs, kube):
    # review E: a kubectl annotate (or GitOps label) between the read and the patch moved the
    # resourceVersion, and the promote was refused as changed outside
    annotate = {"metadata": {"annotations": {"team": "credit"}}}
    state = rollout.promote(Meanwhile(isvcs, annotate), NAME, timeout_s=5, storage_uri=V2, version="2")
    assert state.action == "promoted"
    obj = kube.objects[(NS, NAME)]
    assert "canaryTrafficPercent" not in obj["spec"]["predictor"] and obj["metadata"]["annotations"]["team"] == "credit"


def test_deploy_and_rollback_take_another_spelling_of_the_same_model(isvcs, kube):
    # review E: deploy of v2 spelled 'gs://.../model-joblib/' made a needless revision of the same model
    before = len([c for c in kube.calls if c[0] == "PATCH"])
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2 + "/", percent=10, timeout_s=5)
    assert len([c for c in kube.calls if c[0] == "PATCH"]) == before  # the canary already runs that model
    rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    state = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1 + "/", timeout_s=5)
    assert state.action == "unchanged"


@pytest.mark.parametrize("edit", [{"spec": {"predictor": {"model": {"runtimeVersion": "9.9"}}}},
                                  {"spec": {"predictor": {"minReplicas": 3}}}])
def test_a_spec_edit_between_the_read_and_the_promote_is_still_changed_outside(isvcs, kube, edit):
    # review F: the retry after a 409 promoted any predictor edit that kept the storageUri and the
    # split (a new runtime nobody analysed); only a write that leaves metadata.generation is retried
    with pytest.raises(rollout.ChangedOutside, match="changed outside"):
        rollout.promote(Meanwhile(isvcs, edit), NAME, timeout_s=5, storage_uri=V2, version="2")
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 10
