"""A held rollback (the spec names another model) awaiting that model's revision (round 43).

* Knative moves the status fields in separate steps: the Knative Service copies
  ``latestReadyRevisionName`` from its Configuration while its Route still routes the revision
  ready before (knative-v1.21.1 ``pkg/reconciler/service/service.go``: ``checkRoutesNotReady``
  only marks the Route not ready; KServe v0.20.0 ``PropagateStatus`` copies both). The hold's wait
  ended on the new ``latestReadyRevision`` alone, judged again a status whose traffic[] still gave
  the failed model its share, and failed the step ("pin it out by hand") on the NORMAL ending.
* A failure seen near the deadline (Knative's progress deadline, 600 s by default, is ctloop's
  default timeout too: an ImagePullBackOff is seen about then) got its pin-out written and then
  failed the step on the wait for traffic to move, a timeout whose message said nothing was
  written: no audit event, no tag for a write that landed.
* The spec written back to the rollback's own target during the hold (the champion) raised
  ChangedOutside: the rollback now starts again on a fresh read, within its deadline.
* The API unreachable at the hold's last poll failed the step instead of returning the held state.

Through KubeApiDouble (tests/doubles/kube_api.py: ``lag_route``, ``lag_reconcile``,
``fail_revisions``, ``ready_after_reads``)."""

from __future__ import annotations

import time

import pytest

from ctloop.errors import ServingUnreachable
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, with_canary

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))
OTHER = specs.canary_patch(version="3", storage_uri=V3, percent=20)


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double


@pytest.fixture
def isvcs(kube):
    return InferenceServices(NS, api_client=kube.api_client())


def _failed_share(kube, failed):
    return {
        rev: pct
        for rev, pct in kube.traffic(NS, NAME).items()
        if kube.revision_uri(NS, NAME, rev) == failed and pct
    }


def _held_over_v3(isvcs, kube, ready_after_reads, route_lag=0):
    """v2's canary failed its analysis; v3 deployed by hand (kubectl apply) starts meanwhile."""
    with_canary(isvcs, NAME, V1, V2)
    kube.ready_after_reads = ready_after_reads
    # v3 is latestReadyRevision that many reads before traffic[] routes it
    kube.lag_route(route_lag)
    isvcs.patch(NAME, OTHER)
    isvcs.get(NAME)
    assert _failed_share(kube, V2)  # while v3 starts, its 20 % goes to the failed v2 revision


def _rollback(isvcs, timeout_s):
    return rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=timeout_s, failed_storage_uri=V2
    )


def test_the_other_revision_ready_before_its_route_moved_ends_the_hold_held(isvcs, kube):
    _held_over_v3(isvcs, kube, ready_after_reads=2, route_lag=2)
    state = _rollback(isvcs, timeout_s=5)
    assert state.action == "held" and state.version == "3"
    assert not state.written and not state.note, state
    assert not _failed_share(kube, V2), kube.traffic(NS, NAME)
    # the other canary untouched
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 20


def test_a_route_that_has_not_moved_by_the_deadline_is_a_note_not_a_failure(isvcs, kube):
    _held_over_v3(isvcs, kube, ready_after_reads=1, route_lag=10_000)
    state = _rollback(isvcs, timeout_s=0.6)
    assert state.action == "held" and not state.written
    assert "not moved" in state.note and "20 %" in state.note, state.note


def test_a_failure_seen_near_the_deadline_reports_the_pin_it_wrote(isvcs, kube):
    _held_over_v3(isvcs, kube, ready_after_reads=3)
    kube.fail_revisions(V3)
    real_patch = isvcs.patch

    def patch(name, body):
        kube.lag_reconcile(6)  # KServe and Knative take longer than the time left to route the pin
        return real_patch(name, body)

    isvcs.patch = patch
    state = _rollback(isvcs, timeout_s=1.0)
    assert state.action == "held"
    assert "pinned to 0 %" in state.written and "failed" in state.written, state
    assert "not yet confirmed" in state.note, state.note
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 0


def test_the_champion_written_back_during_the_hold_is_rolled_back_to(isvcs, kube):
    _held_over_v3(isvcs, kube, ready_after_reads=10_000)
    real_get, reads = isvcs.get, [0]

    def get(name):
        reads[0] += 1
        if reads[0] == 3:  # the other run cleans up: v1, the champion, written back by hand
            kube.ready_after_reads = 1
            real_patch(name, specs.switch_patch(version="1", storage_uri=V1))
        return real_get(name)

    real_patch = isvcs.patch
    isvcs.get = get
    state = _rollback(isvcs, timeout_s=5)
    assert state.action in ("rolled_back", "unchanged") and state.version == "1", state
    split = kube.traffic(NS, NAME)
    assert len(split) == 1 and kube.revision_uri(NS, NAME, next(iter(split))) == V1, split


def test_the_api_unreachable_at_the_holds_last_poll_returns_the_held_state(isvcs, kube):
    _held_over_v3(isvcs, kube, ready_after_reads=10_000)
    real_get, start = isvcs.get, time.monotonic()

    def get(name):
        if time.monotonic() - start > 0.4:
            raise ServingUnreachable("kube API: connection reset")
        return real_get(name)

    isvcs.get = get
    state = _rollback(isvcs, timeout_s=0.8)
    assert state.action == "held" and not state.written
    assert "still starting" in state.note, state.note
