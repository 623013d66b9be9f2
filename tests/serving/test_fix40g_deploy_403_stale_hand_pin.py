"""Review G, finding 2: revisions unreadable (HTTP 403), the only revision v1 pinned by hand at
``canaryTrafficPercent`` 10, then v2's canary patch at 10 lands and the deploy step is retried
before KServe reconciled it.

The status still shows v1 alone, its ``latestRevision`` entry at the pin — which round 40 took
for a status reconciled with the spec (a hand pin on the only revision,
``_latest_share(obj) == pinned``). The spec now names v2, so it was a stale status carrying the
same share from the earlier hand pin: deploy raised "no other revision to compare it with" and
release.deploy rolled back a canary about to appear. KServe v0.20.0
``pkg/apis/serving/v1beta1/inference_service_status.go`` ``PropagateStatus`` copies the Knative
Service's status, revisions by name, so until it reconciles the spec the status names the
revision before; only the Revision's ``storage-initializer-sourceuri`` annotation tells which
model it serves. Without it (403) deploy now waits, bounded by ``timeout_s``, for a newer
``latestCreatedRevision`` before refusing.
"""

import time

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout

NS, NAME = "ml", "credit-default"
V1, V2 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2))
REV = "credit-default-predictor-{:05d}".format
REVISIONS = f"/apis/serving.knative.dev/v1/namespaces/{NS}/revisions"


def _hand_pinned_only_revision(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    isvcs.patch(NAME, specs.traffic_patch(10))  # an operator: canary --percent 10 on the only revision
    isvcs.get(NAME)
    assert [t["percent"] for t in isvcs.get(NAME)["status"]["components"]["predictor"]["traffic"]
            if t.get("latestRevision")] == [10]
    kube.forbid(REVISIONS)


def test_a_retried_canary_deploy_over_a_hand_pin_with_the_same_share_waits_for_the_new_revision(isvcs, kube):
    _hand_pinned_only_revision(isvcs, kube)
    kube.lag_reconcile(4)
    isvcs.patch(NAME, specs.canary_patch(version="2", storage_uri=V2, percent=10))  # attempt 1 died
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10,
                           timeout_s=5)  # was ServingError "no other revision to compare it with"
    assert state.action == "canary" and state.traffic == {REV(2): 10, REV(1): 90}
    assert kube.revision_uri(NS, NAME, REV(2)) == V2


def test_the_hand_pinned_only_revision_is_still_refused_once_no_new_revision_comes(isvcs, kube):
    _hand_pinned_only_revision(isvcs, kube)
    started = time.monotonic()
    with pytest.raises(ServingError, match="canaryTrafficPercent 10, but no other revision") as err:
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, percent=10,
                       timeout_s=2)
    assert time.monotonic() - started < 10  # bounded by timeout_s
    assert "not reached within" not in str(err.value) and "403" in str(err.value)
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 10  # nothing written
