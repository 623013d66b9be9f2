"""rollback's first step, the pin-back to ``canaryTrafficPercent: 0``, was the one write of a
rollout sent without the resourceVersion it was decided on: a change between rollback's read and
that patch — the canary promoted by hand, another model deployed as a canary — was overwritten
(the promoted model, or the new canary, pinned at 0 %: all traffic sent back to a revision nobody
chose now), and only the wait after it noticed. It is now conditional as the other writes are
(409 → :class:`ChangedOutside`, nothing written; k8s.io/apiserver
``pkg/registry/generic/registry/store.go`` OptimisticLockErrorMsg), and a status update in
between (the usual 409) is still retried. Through KubeApiDouble."""

from __future__ import annotations

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.rollout import ChangedOutside
from tests.doubles.kube_api import with_canary

from .test_fix41g_deploy_conditional import Meanwhile
from .test_fix41g_status_moves_resource_version import ReconcileBeforePatch

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))


@pytest.mark.parametrize(
    "change,uri,percent",
    [
        (specs.promote_patch(), V2, None),
        (specs.canary_patch(version="3", storage_uri=V3, percent=20), V3, 20),
        (specs.traffic_patch(50), V2, 50),
    ],
    ids=["promoted-by-hand", "another-model", "share-moved"],
)
def test_a_change_between_rollbacks_read_and_its_pin_back_is_not_overwritten(
    isvcs, change, uri, percent
):
    with_canary(isvcs, NAME, V1, V2)
    with pytest.raises(ChangedOutside, match="changed outside this rollout"):
        rollout.rollback(Meanwhile(isvcs, change), NAME, version="1", storage_uri=V1, timeout_s=5)
    pred = isvcs.get(NAME)["spec"]["predictor"]
    assert pred["model"]["storageUri"] == uri and pred.get("canaryTrafficPercent") == percent


def test_a_pin_back_refused_over_a_status_update_is_retried(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    stable = rollout.stable_revision(isvcs.get(NAME))
    state = rollout.rollback(
        ReconcileBeforePatch(isvcs), NAME, version="1", storage_uri=V1, timeout_s=5
    )
    assert state.action == "rolled_back"
    pins = [
        c
        for c in kube.calls
        if c[0] == "PATCH"
        and c[2].get("spec", {}).get("predictor", {}) == {"canaryTrafficPercent": 0}
    ]
    assert pins and all(p[2]["metadata"]["resourceVersion"] for p in pins)
    assert stable  # the champion's revision served throughout
