"""A rollback (or a deploy) whose spec already names the model answered "unchanged" from a status
KServe had not reconciled yet, while the previous model still served all traffic.

KServe v0.20.0 ``PropagateStatus`` (``pkg/apis/serving/v1beta1/inference_service_status.go``)
copies the Knative Service's status: ``status.components.predictor`` names revisions, never
storageUris, so right after a spec change it still shows the revision before as created, ready and
at 100 %. Which model a revision serves is its annotation
``internal.serving.kserve.io/storage-initializer-sourceuri``: KServe v0.20.0
``pkg/controller/v1beta1/inferenceservice/components/predictor.go``
(``addStorageInitializerAnnotations``, ``constants.StorageInitializerSourceUriInternalAnnotationKey``
in ``pkg/constants/constants.go``) sets it to the predictor's storageUri on the Knative Service's
template, and Knative copies the template's metadata onto each Revision (knative-v1.21.1
``pkg/reconciler/configuration/resources/revision.go`` ``MakeRevision``). The unchanged paths
now wait, within their timeout, until the revision in traffic[] was made from the spec's
storageUri; without RBAC to read revisions (HTTP 403) they trust traffic[] as before, with a
one-line warning naming the permission.
"""

import pytest

from ctloop.errors import ServingTimeoutError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices

NS, NAME = "ml", "credit-default"
V1, V2 = "gs://models/run1/artifacts/model-joblib", "gs://models/run2/artifacts/model-joblib"
REV = "credit-default-predictor-{:05d}".format


def _v2_promoted_then_v1_written_back_by_hand(isvcs, kube, lag):
    """v2 was promoted (100 %); the champion v1's storageUri is written back (by hand, or by a
    rollback whose last wait was lost) and KServe reconciles it only ``lag`` reads later."""
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10, timeout_s=5)
    rollout.promote(isvcs, NAME, timeout_s=5)
    assert kube.traffic(NS, NAME) == {REV(2): 100}
    kube.lag_reconcile(lag)
    isvcs.patch(NAME, specs.switch_patch(version="1", storage_uri=V1))


def test_the_revision_serving_the_model_of_an_unchanged_rollback_is_confirmed(isvcs, kube):
    _v2_promoted_then_v1_written_back_by_hand(isvcs, kube, lag=3)
    state = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    assert state.action == "unchanged"
    assert state.traffic == {REV(3): 100}  # was {REV(2): 100}: v2 still served, "rolled back"
    assert kube.revision_uri(NS, NAME, state.latest_revision) == V1


def test_an_unchanged_rollback_never_reconciled_times_out_naming_the_model_served(isvcs, kube):
    _v2_promoted_then_v1_written_back_by_hand(isvcs, kube, lag=10**6)
    with pytest.raises(ServingTimeoutError, match=rf"revision {REV(2)} serves {V2} "
                                                  r"\(internal.serving.kserve.io/storage-initializer-sourceuri\), "
                                                  rf"not {V1}"):
        rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=1)


def test_without_rbac_for_revisions_the_rollback_trusts_traffic_and_warns(isvcs, kube, capsys):
    _v2_promoted_then_v1_written_back_by_hand(isvcs, kube, lag=3)
    kube.forbid(f"/apis/serving.knative.dev/v1/namespaces/{NS}/revisions")
    state = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    assert state.action == "unchanged"  # today's behaviour: never a failed rollback for it
    out = capsys.readouterr().out
    assert out.count("WARNING") == 1 and "may not get revisions.serving.knative.dev in ml (HTTP 403)" in out


def test_a_deploy_whose_patch_landed_unreconciled_is_not_unchanged(isvcs, kube):
    """v1 serves 100 %; a first attempt wrote v2 (no canary percent, e.g. by hand) and died before
    KServe reconciled: the retry waits for v2's revision instead of answering "unchanged" over v1."""
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    kube.lag_reconcile(3)
    isvcs.patch(NAME, specs.switch_patch(version="2", storage_uri=V2))
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, timeout_s=5)
    assert (state.latest_revision, state.traffic) == (REV(2), {REV(2): 100})  # was REV(1), v1's
    assert kube.revision_uri(NS, NAME, REV(2)) == V2


class RevisionReadUnanswered(InferenceServices):
    """The API server does not answer the first read of a revision (a dropped connection)."""

    unanswered = 1

    def revision_source(self, revision):
        if self.unanswered:
            self.unanswered -= 1
            from ctloop.errors import ServingUnreachable

            raise ServingUnreachable(f"get Revision {self.namespace}/{revision}: the API server did not answer")
        return super().revision_source(revision)


def test_a_revision_read_without_answer_is_polled_again_not_a_failed_rollback(kube):
    isvcs = RevisionReadUnanswered(NS, api_client=kube.api_client())
    _v2_promoted_then_v1_written_back_by_hand(isvcs, kube, lag=3)
    state = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    assert (state.action, state.traffic) == ("unchanged", {REV(3): 100})
    assert isvcs.unanswered == 0
