"""The note of a rollback held at its deadline names the failed model's share of that moment
(round 43): it named the share read when the hold began, so a canary share moved meanwhile (by
hand, or part of it already moved by Knative's gradual rollout, ``rollout-duration``) was
misstated beside the traffic the same line prints.
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


def test_the_held_note_names_the_share_at_the_deadline(kube):
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with_canary(isvcs, NAME, V1, V2)
    kube.ready_after_reads = (
        10_000  # v3, deployed by hand over the failed v2 canary, keeps starting
    )
    isvcs.patch(NAME, specs.canary_patch(version="3", storage_uri=V3, percent=20))
    real_get, reads = isvcs.get, [0]

    def get(name):
        reads[0] += 1
        if reads[0] == 3:  # v3's share raised by hand while the rollback is held
            isvcs.patch(NAME, specs.traffic_patch(30))
        return real_get(name)

    isvcs.get = get
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=1, failed_storage_uri=V2
    )
    assert state.action == "held" and 30 in state.traffic.values(), state
    assert "gives its 30 % to the failed model's revision" in state.note, state.note
