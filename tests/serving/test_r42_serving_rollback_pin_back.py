"""rollback's first step, the pin-back to ``canaryTrafficPercent: 0``, was the one write of a
rollout sent without the resourceVersion it was decided on: a change between rollback's read and
that patch — another model deployed as a canary — was overwritten (the new canary pinned at 0 %:
all traffic sent back to a revision nobody chose now), and only the wait after it noticed. It is
now conditional as the other writes are (409; k8s.io/apiserver
``pkg/registry/generic/registry/store.go`` OptimisticLockErrorMsg): another model is left as it is
(:class:`ChangedOutside`, nothing written). Abort wins for the failed model: a 409 over a change
that left the spec naming it (its share moved by hand, promoted by hand) is read again and the pin
sent again, and so is one over a status update (the usual 409). Through KubeApiDouble."""

from __future__ import annotations

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.rollout import ChangedOutside
from tests.doubles.kube_api import with_canary

from .test_fix41g_deploy_conditional import Meanwhile

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))


def _pins(kube, since=0):
    return [
        c
        for c in kube.calls[since:]
        if c[0] == "PATCH"
        and c[2].get("spec", {}).get("predictor", {}) == {"canaryTrafficPercent": 0}
    ]


def test_another_model_deployed_between_rollbacks_read_and_its_pin_back_is_not_overwritten(isvcs):
    with_canary(isvcs, NAME, V1, V2)
    change = specs.canary_patch(version="3", storage_uri=V3, percent=20)
    with pytest.raises(ChangedOutside, match="changed outside this rollout"):
        rollout.rollback(Meanwhile(isvcs, change), NAME, version="1", storage_uri=V1, timeout_s=5)
    pred = isvcs.get(NAME)["spec"]["predictor"]
    assert pred["model"]["storageUri"] == V3 and pred.get("canaryTrafficPercent") == 20


@pytest.mark.parametrize(
    "change",
    [specs.promote_patch(), specs.traffic_patch(50)],
    ids=["promoted-by-hand", "share-moved"],
)
def test_the_failed_model_changed_by_hand_before_its_pin_back_is_still_rolled_back(
    isvcs, kube, change
):
    with_canary(isvcs, NAME, V1, V2)
    n = len(kube.calls)
    state = rollout.rollback(
        Meanwhile(isvcs, change), NAME, version="1", storage_uri=V1, timeout_s=5
    )
    assert state.action == "rolled_back"
    assert len(_pins(kube, n)) == 2  # refused (409) over the change, then sent again
    pred = isvcs.get(NAME)["spec"]["predictor"]
    assert pred["model"]["storageUri"] == V1 and "canaryTrafficPercent" not in pred
    assert kube.traffic(NS, NAME) == {state.latest_revision: 100}
    assert kube.revision_uri(NS, NAME, state.latest_revision) == V1


def test_a_pin_back_refused_over_a_status_update_is_retried(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    n = len(kube.calls)
    kube.status_update_before_patches(
        1
    )  # the controller writes status between the read and the pin
    state = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    assert state.action == "rolled_back"
    pins = _pins(kube, n)
    assert len(pins) == 2  # the first refused with 409, the second sent on the new resourceVersion
    assert pins[0][2]["metadata"]["resourceVersion"] != pins[1][2]["metadata"]["resourceVersion"]
