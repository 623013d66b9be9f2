"""A held rollback (the spec names another model) whose other revision is still starting, and
fails only after the hold began (round 42 left alone).

Knative routes the ``latestRevision`` target to the latest *ready* revision (knative-v1.21.1
``pkg/reconciler/route/traffic/traffic.go``): while the other model's revision starts, and for
good once it has failed, the failed model's revision gets that canary's share. The held rollback
returned at once while it started, so a revision failing a moment later kept the failed model
serving when a raw ``kubectl apply`` deployed it (no ctloop run to roll that one back). The hold
now awaits the other revision's outcome within the rollback's deadline and pins a failed one out.
The transient share, still starting at the deadline, is the state's ``note``: ``written`` said
"the other model's canary not pinned", a thing not written, and the audit event's ``written``
carried it.

Through KubeApiDouble (tests/doubles/kube_api.py: ``ready_after_reads``, ``fail_revisions``)."""

from __future__ import annotations

from ctloop.config import RolloutConfig
from ctloop.serving import isvc as specs
from ctloop.serving import release, rollout
from ctloop.serving.rollout import RolloutState
from tests.doubles.kube_api import with_canary

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))
OTHER = specs.canary_patch(version="3", storage_uri=V3, percent=20)


def _failed_share(kube, failed):
    return {
        rev: pct
        for rev, pct in kube.traffic(NS, NAME).items()
        if kube.revision_uri(NS, NAME, rev) == failed and pct
    }


def test_the_other_revision_failing_after_the_hold_began_is_pinned_out(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    kube.ready_after_reads = 4  # kubectl apply of v3: its revision starts, then fails
    kube.fail_revisions(V3)
    isvcs.patch(NAME, OTHER)
    isvcs.get(NAME)
    assert _failed_share(kube, V2)  # while v3 starts, its 20 % goes to the failed v2 revision
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
    )
    assert state.action == "held" and state.version == "3"
    for _ in range(3):
        isvcs.get(NAME)  # whatever the controller does next
    assert not _failed_share(kube, V2), kube.traffic(NS, NAME)
    assert "pinned to 0 %" in state.written and "failed" in state.written
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 0


def test_the_other_revision_becoming_ready_during_the_hold_writes_nothing(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    kube.ready_after_reads = 4
    isvcs.patch(NAME, OTHER)
    isvcs.get(NAME)
    patches = len([c for c in kube.calls if c[0] == "PATCH"])
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
    )
    assert state.action == "held" and not state.written and not state.note
    assert len([c for c in kube.calls if c[0] == "PATCH"]) == patches
    assert (
        not _failed_share(kube, V2)
        and isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 20
    )


def test_the_transient_share_is_a_note_in_the_line_and_event_not_a_write():
    state = RolloutState(
        "held",
        NAME,
        "3",
        "r3",
        "r1",
        {"r2": 20, "r1": 80},
        note="its revision r3 is still starting",
    )
    assert "written" not in state.to_dict() and state.to_dict()["note"] == state.note
    cfg = RolloutConfig(namespace=NS, inference_service=NAME)
    line = release._held("credit", "2", "1", cfg, state)
    assert "nothing written" in line and "still starting" in line, line
