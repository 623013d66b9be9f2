"""Round 39 left alone: the only revision pinned by hand (``canaryTrafficPercent`` set on the
first deployment) deployed again by an identity that may not ``get`` Knative revisions (HTTP 403).

Without the revision's storage-initializer-sourceuri the status looked like a canary KServe had
not reconciled yet (one revision alone at 100 %, a pin below 100), so deploy waited for a new
revision that never comes and failed after its whole timeout. KServe's status tells the two
apart: KServe v0.20.0 ``reconcilers/knative/ksvc_reconciler.go`` ``createKnativeService`` routes
the ``latestRevision`` target at ``canaryTrafficPercent`` and the ``prev`` target (the rolled-out
revision, here the same one) at the rest, and Knative keeps both entries in the route's status
(knative-v1.21.1 ``pkg/reconciler/route/traffic/traffic.go`` ``mergeIfNecessary`` merges only
entries of the same tag, revision and latestRevision), which ``PropagateStatus`` copies into
``status.components.predictor.traffic``. A status whose ``latestRevision`` entry carries the
spec's pin was reconciled with that pin: deploy says what is wrong — after waiting, bounded by
timeout_s, for a newer revision (fix40g: the same share may be a stale status from before a new
model's canary patch, tests/serving/test_fix40g_deploy_403_stale_hand_pin.py).
Promote (the other half of the item) was never affected: it is checked here too.
"""

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout

NS, NAME = "ml", "credit-default"
V1, V2 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2))
REV = "credit-default-predictor-{:05d}".format
REVISIONS = f"/apis/serving.knative.dev/v1/namespaces/{NS}/revisions"


def test_the_only_revision_pinned_by_hand_without_revision_reads_is_refused_without_a_split_timeout(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    isvcs.patch(NAME, specs.traffic_patch(10))  # an operator: canary --percent 10 on the only revision
    kube.forbid(REVISIONS)
    with pytest.raises(ServingError, match="canaryTrafficPercent 10, but no other revision") as err:
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, percent=10,
                       timeout_s=2)
    assert "not reached within" not in str(err.value)  # was the whole timeout, then ServingTimeoutError
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 10  # nothing written


def test_promote_of_the_only_revision_pinned_by_hand_without_revision_reads_promotes(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    isvcs.patch(NAME, specs.traffic_patch(10))
    kube.forbid(REVISIONS)
    state = rollout.promote(isvcs, NAME, timeout_s=5, storage_uri=V1, version="1")
    assert state.action == "promoted" and state.traffic == {REV(1): 100}
    assert "canaryTrafficPercent" not in isvcs.get(NAME)["spec"]["predictor"]


def test_a_first_canary_read_before_kserve_reconciled_it_is_still_waited_for(isvcs, kube):
    """The stale status the 403 rule exists for: its latestRevision entry still has 100 %."""
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    kube.lag_reconcile(4)
    isvcs.patch(NAME, specs.canary_patch(version="2", storage_uri=V2, percent=10))  # attempt 1 died
    kube.forbid(REVISIONS)
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10,
                           timeout_s=5)
    assert state.action == "canary" and state.traffic == {REV(2): 10, REV(1): 90}
