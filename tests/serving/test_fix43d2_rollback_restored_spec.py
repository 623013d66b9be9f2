"""A rollback over a spec that already names the champion at 0 % while its revision starts (round 43).

The rollback pinned (already 0), skipped the restore (the spec names the champion's storageUri)
and promoted at once: Knative routes the ``latestRevision`` target, now 100 %, to the latest
*ready* revision (knative-v1.21.1 ``pkg/reconciler/route/traffic/traffic.go``: the target
resolves to the Configuration's ``LatestReadyRevisionName``) — the failed model's canary. Two
ways there: a retried ``rollback_model`` step whose restore landed, and a held rollback
restarted after another run's rollback wrote the champion back (``isvc.restore_patch``:
``canaryTrafficPercent: 0``). The champion's revision is now awaited at 0 % before the promote.
Through KubeApiDouble (tests/doubles/kube_api.py: ``ready_after_reads``)."""

from __future__ import annotations

import functools

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import kube as kube_mod
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, with_canary

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))


@pytest.fixture
def kube(monkeypatch):
    monkeypatch.setattr(rollout, "wait_for", functools.partial(kube_mod.wait_for, poll_s=0.02))
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double


@pytest.fixture
def isvcs(kube):
    return InferenceServices(NS, api_client=kube.api_client())


def _watch_failed_share(isvcs, kube, failed, on_read=None):
    """Every GET records the failed model's share of traffic[] (``on_read(n)`` runs first)."""
    real_get, seen, reads = isvcs.get, [], [0]

    def get(name):
        reads[0] += 1
        if on_read is not None:
            on_read(reads[0])
        obj = real_get(name)
        share = {
            r: p
            for r, p in kube.traffic(NS, NAME).items()
            if p and kube.revision_uri(NS, NAME, r) == failed
        }
        if share:
            seen.append((reads[0], share))
        return obj

    isvcs.get = get
    return seen


def test_a_retried_rollback_waits_for_the_restored_champion_before_promoting(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    isvcs.patch(NAME, specs.pin_back_patch())
    kube.ready_after_reads = 4  # the champion's new revision starts slowly
    isvcs.patch(
        NAME, specs.restore_patch(version="1", storage_uri=V1)
    )  # the attempt before: its wait lost
    seen = _watch_failed_share(isvcs, kube, V2)
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
    )
    assert state.action == "rolled_back"
    assert not seen, f"the failed v2 revision routed again: {seen}"
    assert kube.revision_uri(NS, NAME, next(iter(state.traffic))) == V1 and list(
        state.traffic.values()
    ) == [100]


def test_a_held_rollback_restarted_over_the_champion_written_back_waits_before_promoting(
    isvcs, kube
):
    with_canary(isvcs, NAME, V1, V2)
    kube.ready_after_reads = (
        10_000  # v3, deployed by hand over the failed v2 canary, keeps starting
    )
    isvcs.patch(NAME, specs.canary_patch(version="3", storage_uri=V3, percent=20))

    def other_run_rolls_back(n):
        if n == 3:  # v3's own run rolls back: pin, then v1 written back at 0 % (its revision slow)
            kube.ready_after_reads = 6
            kube_patch(NAME, specs.pin_back_patch())
            kube_patch(NAME, specs.restore_patch(version="1", storage_uri=V1))

    kube_patch = isvcs.patch
    seen = _watch_failed_share(isvcs, kube, V2, other_run_rolls_back)
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
    )
    assert state.action == "rolled_back"
    assert not [s for s in seen if s[0] > 3], (
        f"the failed v2 revision routed again after v1 was written back: {seen}"
    )
    assert kube.revision_uri(NS, NAME, next(iter(state.traffic))) == V1
