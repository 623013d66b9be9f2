"""A retried deploy of a canary read before KServe reconciled its spec, and a same-version deploy
of a service whose only revision has canaryTrafficPercent set by hand (review G2).

1. After any promotion KServe keeps ``previousRolledoutRevision``: ``PropagateStatus``
   (KServe v0.20.0 ``pkg/apis/serving/v1beta1/inference_service_status.go``) sets
   ``PreviousRolledoutRevision = LatestRolledoutRevision`` whenever the latest ready revision
   reaches 100 %. So "no previous revision" caught the stale status only for the FIRST canary: a
   retried deploy of the v3 canary (v2 promoted), read while the status still showed R2 alone at
   100 %, waited for the new revision at 100 % (it gets its pinned 5 %), timed out, and
   release.deploy rolled a healthy canary back. Stale is now decided from the revision: the latest
   created revision's storage-initializer-sourceuri annotation is not the spec's storageUri (403:
   one ready revision at 100 % while the spec pins a share below 100).
2. One revision, canaryTrafficPercent set by hand on the first deployment, the same version
   deployed again: it serves the spec's storageUri, nothing to compare it with — "unchanged" at
   once (a first deployment: release promotes it), not a 300 s wait for a revision that never comes.
"""

import time

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import rollout

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))
REV = "credit-default-predictor-{:05d}".format


@pytest.mark.parametrize("revisions_readable", [True, False])
def test_a_retried_canary_after_a_promotion_read_stale_is_a_canary(isvcs, kube, revisions_readable):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5, timeout_s=5)
    rollout.promote(isvcs, NAME, timeout_s=5, storage_uri=V2, version="2")
    kube.lag_reconcile(4)
    isvcs.patch(NAME, specs.canary_patch(version="3", storage_uri=V3, percent=5))  # attempt 1, then it died
    st = isvcs.get(NAME)["status"]["components"]["predictor"]
    assert (st["latestCreatedRevision"], st["latestRolledoutRevision"], st["previousRolledoutRevision"]) == (
        REV(2), REV(2), REV(1))
    if not revisions_readable:
        kube.forbid(f"/apis/serving.knative.dev/v1/namespaces/{NS}/revisions")
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="3", storage_uri=V3, percent=5,
                           timeout_s=5)
    assert state.action == "canary"  # was a timeout waiting for R3 at 100 %
    assert (state.latest_revision, state.previous_revision) == (REV(3), REV(2))
    assert state.traffic == {REV(3): 5, REV(2): 95}
    assert kube.revision_uri(NS, NAME, REV(3)) == V3


def test_the_only_revision_pinned_by_hand_redeployed_is_unchanged_at_once(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    isvcs.patch(NAME, specs.traffic_patch(10))  # an operator: canary --percent 10 on the only revision
    started = time.monotonic()
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, percent=10,
                           timeout_s=5)
    assert time.monotonic() - started < 3  # was the whole timeout, then ServingTimeoutError
    assert state.action == "unchanged" and state.latest_revision == REV(1)
    assert state.traffic == {REV(1): 100}


def test_a_revision_read_without_answer_in_the_stale_check_is_not_a_failed_deploy(isvcs, kube):
    """``_unreconciled`` read the latest created revision unprotected: one dropped connection failed a
    retried deploy with ServingUnreachable where the wait after it polls again (review H)."""
    from ctloop.errors import ServingUnreachable

    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    kube.lag_reconcile(4)
    isvcs.patch(NAME, specs.canary_patch(version="2", storage_uri=V2, percent=5))  # attempt 1, then it died
    real, reads = isvcs.revision_source, []

    def first_unanswered(revision):
        reads.append(revision)
        if len(reads) == 1:
            raise ServingUnreachable("get Revision: connection reset")
        return real(revision)

    isvcs.revision_source = first_unanswered
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5, timeout_s=5)
    assert state.action == "canary" and state.traffic == {REV(2): 5, REV(1): 95}, state
