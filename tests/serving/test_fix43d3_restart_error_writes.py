"""A rollback held, then started again (the spec changed while held), that fails afterwards must
still say what it wrote before — here the hold's pin-out of another model's failed canary — since
the held outcome that would have reported it is never returned. The error keeps its type."""

import functools

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import kube as kube_mod
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble
from tests.serving.test_fix43d2_held_pin_restart import NAME, NS, V1, V2, _changed_once_v3_is_pinned


@pytest.fixture
def kube(monkeypatch):
    monkeypatch.setattr(rollout, "wait_for", functools.partial(kube_mod.wait_for, poll_s=0.02))
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double


def test_error_after_restart_names_the_hold_pin_out(kube):
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    fired = _changed_once_v3_is_pinned(
        isvcs,
        kube,
        specs.restore_patch(version="1", storage_uri=V1),
        before=lambda: kube.fail_revisions(V1),
    )
    with pytest.raises(ServingError) as info:
        rollout.rollback(
            isvcs, NAME, version="1", storage_uri=V1, timeout_s=2, failed_storage_uri=V2
        )
    assert fired
    # the champion revision failed: the same error type as without a hold
    assert type(info.value) is ServingError
    message = str(info.value)
    assert "model load failed" in message
    assert "written by this rollback before it started again: its canary pinned to 0 %" in message
    assert "another model's canary pinned to 0 % while the rollback was held" in message
