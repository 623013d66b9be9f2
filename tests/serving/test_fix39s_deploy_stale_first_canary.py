"""The first canary after the initial deployment, re-deployed (a retried deploy_canary step whose
patch landed) while KServe had not reconciled the spec yet: the status still showed only the
initial revision — latestCreated = latestReady = latestRolledout = R1, traffic R1: 100, no
previousRolledoutRevision (KServe v0.20.0 ``PropagateStatus``,
``pkg/apis/serving/v1beta1/inference_service_status.go``, copies the Knative Service's status,
revisions by name). deploy took R1 for the spec's revision: with the Revisions readable it waited
for R1 at 100 % (it is never: KServe routes the canary its share once reconciled) and timed out;
without RBAC for them (HTTP 403) it answered "unchanged", and analyze promoted the canary with no
analysis at all. A spec with canaryTrafficPercent is now never "unchanged" while there is nothing to
compare it with: deploy waits for a revision created after the one it read, at the spec's share.
"""

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import rollout

NS, NAME = "ml", "credit-default"
V1, V2 = "gs://models/run1/artifacts/model-joblib", "gs://models/run2/artifacts/model-joblib"
REV = "credit-default-predictor-{:05d}".format


def _first_canary_landed_unreconciled(isvcs, kube, percent=5):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    kube.lag_reconcile(4)  # the reads here and deploy's first two see the status before
    isvcs.patch(NAME, specs.canary_patch(version="2", storage_uri=V2, percent=percent))  # attempt 1, then it died
    st = isvcs.get(NAME)["status"]["components"]["predictor"]
    assert (st["latestReadyRevision"], st.get("previousRolledoutRevision")) == (REV(1), None)


@pytest.mark.parametrize("revisions_readable", [True, False])
def test_the_retried_first_canary_is_a_canary_not_unchanged(isvcs, kube, capsys, revisions_readable):
    _first_canary_landed_unreconciled(isvcs, kube)
    if not revisions_readable:
        kube.forbid(f"/apis/serving.knative.dev/v1/namespaces/{NS}/revisions")
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5,
                           timeout_s=5)
    assert state.action == "canary"  # was "unchanged" (403), or a timeout waiting for R1 at 100 %
    assert (state.latest_revision, state.previous_revision) == (REV(2), REV(1))
    assert state.traffic == {REV(2): 5, REV(1): 95}
    assert kube.revision_uri(NS, NAME, REV(2)) == V2


def test_a_blue_green_switch_retried_unreconciled_is_switched(isvcs, kube):
    _first_canary_landed_unreconciled(isvcs, kube, percent=100)
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2,
                           strategy="blue-green", timeout_s=5)
    assert state.action == "switched" and state.traffic == {REV(2): 100}
    assert state.previous_revision == REV(1)


def test_a_first_deployment_without_a_pin_is_still_unchanged(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    assert state.action == "unchanged" and state.traffic == {REV(1): 100}
