"""A held rollback (the spec names another run's model) pins that canary out only when its
revision has FAILED (review J 1-2).

1. While the other revision is merely starting (image pull, model download — the normal case)
   Knative gives its share to the latest *ready* revision, the failed model's, for that while
   (knative-v1.21.1 ``pkg/reconciler/route/traffic/traffic.go``). Pinning it to 0 % then made
   the other run's deploy fail (``canaryTrafficPercent is 0, this rollout set 20``) and its
   retry read the pin as "rolled back": a healthy model rolled back unanalysed. Now nothing is
   written and the held state names the transient share.
2. The pin-out of a failed revision is conditional; a 409 from a status update that made the
   other revision ready (Knative retries a failed revision whose pods come up later) used to be
   answered by sending the pin again. Now the re-read is checked and the spec left alone.

Through KubeApiDouble (tests/doubles/kube_api.py: ``ready_after_reads``, ``fail_revisions``)."""

from __future__ import annotations

from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from tests.doubles.kube_api import with_canary

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))
OTHER = specs.canary_patch(version="3", storage_uri=V3, percent=20)


def _patches(kube):
    return [c for c in kube.calls if c[0] == "PATCH"]


def test_a_starting_other_revision_is_not_pinned_and_the_transient_share_is_named(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    kube.ready_after_reads = 10_000  # the other run's revision is still starting at the deadline
    isvcs.patch(NAME, OTHER)
    isvcs.get(NAME)
    before = len(_patches(kube))
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=0.6, failed_storage_uri=V2
    )
    assert state.action == "held" and state.version == "3"
    assert len(_patches(kube)) == before  # nothing written
    assert not state.written  # the transient share is a note (r43), not a write
    assert "not pinned" in state.note and "still starting" in state.note
    assert "20 %" in state.note and "credit-default-predictor-00002" in state.note, state.note
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 20


def test_a_failed_other_revision_is_pinned_out(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    kube.fail_revisions(V3)
    isvcs.patch(NAME, OTHER)
    isvcs.get(NAME)
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
    )
    assert state.action == "held" and "pinned to 0 %" in state.written and "failed" in state.written
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 0


class _RecoversBeforePatch:
    """The failed v3 revision becomes ready (a status update, new resourceVersion) between the held
    rollback's read and its pin-out patch: the patch gets 409."""

    def __init__(self, isvcs, kube):
        self.i, self.kube, self.namespace, self.first = isvcs, kube, isvcs.namespace, True

    def patch(self, name, patch):
        if self.first:
            self.first = False
            m = self.kube.meta[(NS, name)]
            m["ready"], m["failed"] = m["revisions"][-1], None
            self.kube._publish((NS, name))
        return self.i.patch(name, patch)

    def __getattr__(self, attr):
        return getattr(self.i, attr)


def test_a_pin_out_met_by_the_other_revision_becoming_ready_is_not_sent_again(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    kube.fail_revisions(V3)
    isvcs.patch(NAME, OTHER)
    isvcs.get(NAME)
    state = rollout.rollback(
        _RecoversBeforePatch(isvcs, kube),
        NAME,
        version="1",
        storage_uri=V1,
        timeout_s=5,
        failed_storage_uri=V2,
    )
    assert state.action == "held"
    assert "pinned" not in state.written, state.written
    obj = isvcs.get(NAME)
    assert obj["spec"]["predictor"]["canaryTrafficPercent"] == 20
    assert kube.traffic(NS, NAME) == {
        "credit-default-predictor-00003": 20,
        "credit-default-predictor-00001": 80,
    }
