"""A held rollback started again (the spec changed while held) that then SUCCEEDS must still say
what it wrote before the restart — here the hold's pin-out of another model's failed canary — in
its state's ``written`` (which goes into the audit event): the held outcome that would have
reported it is never returned. It returned ``rolled_back`` with ``written`` empty."""

import functools

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import kube as kube_mod
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, with_canary
from tests.serving.test_fix43d2_held_pin_restart import NAME, NS, V1, V2, _changed_once_v3_is_pinned


@pytest.fixture
def kube(monkeypatch):
    monkeypatch.setattr(rollout, "wait_for", functools.partial(kube_mod.wait_for, poll_s=0.02))
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double


def test_rolled_back_after_a_restart_names_the_holds_pin_out(kube):
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    # v3's own run writes v1 back at 0 % while held: not another model, so rolled back from a fresh read
    fired = _changed_once_v3_is_pinned(
        isvcs, kube, specs.restore_patch(version="1", storage_uri=V1)
    )
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=2, failed_storage_uri=V2
    )
    assert fired
    assert state.action == "rolled_back" and state.version == "1", state
    assert "another model's canary pinned to 0 % while the rollback was held" in state.written, (
        state
    )
    assert state.to_dict()["written"] == state.written


def test_rolled_back_without_a_restart_writes_nothing_extra(kube):
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with_canary(isvcs, NAME, V1, V2)
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=2, failed_storage_uri=V2
    )
    assert state.action == "rolled_back" and state.written == "", state
