"""A held rollback's pin-out of another model's failed canary, then the spec changed again (round 43).

The hold pins the other model's canary to 0 % once its revision failed (Knative gave that share
to the failed model's revision). When the spec changed during the wait for that pin to move
traffic (another model deployed, the champion written back), the rollback started again from a fresh read and forgot the
pin: its held state and audit event said nothing was written, and at the deadline the error said
"this rollout deployed" the other model. The pin is now reported in ``written`` after a restart,
and the error at the deadline names the change and the pin in the rollback's own words.
Through KubeApiDouble (tests/doubles/kube_api.py: ``fail_revisions``, ``ready_after_reads``)."""

from __future__ import annotations

import functools
import time

import pytest

from ctloop.errors import ServingChangedOutside
from ctloop.serving import isvc as specs
from ctloop.serving import kube as kube_mod
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, with_canary

NS, NAME = "ml", "credit-default"
V1, V2, V3, V4 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3, 4))


@pytest.fixture
def kube(monkeypatch):
    monkeypatch.setattr(rollout, "wait_for", functools.partial(kube_mod.wait_for, poll_s=0.02))
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double


@pytest.fixture
def isvcs(kube):
    return InferenceServices(NS, api_client=kube.api_client())


def _changed_once_v3_is_pinned(isvcs, kube, change, before=lambda: None):
    """v2's canary failed its analysis; v3 deployed by hand over it fails to load; once the hold
    has pinned v3 to 0 %, ``change`` is patched in (``before()`` runs first)."""
    with_canary(isvcs, NAME, V1, V2)
    kube.ready_after_reads = 3
    kube.fail_revisions(V3)
    isvcs.patch(NAME, specs.canary_patch(version="3", storage_uri=V3, percent=20))
    real_get, fired = isvcs.get, []

    def get(name):
        obj = real_get(name)
        predictor = obj["spec"]["predictor"]
        if (
            not fired
            and predictor.get("canaryTrafficPercent") == 0
            and predictor["model"]["storageUri"] == V3
        ):
            fired.append(True)
            before()
            kube.ready_after_reads = 1
            real_patch(NAME, change)
            return real_get(name)
        return obj

    real_patch = isvcs.patch
    isvcs.get = get
    return fired


def test_the_holds_pin_is_written_after_a_restart(isvcs, kube):
    fired = _changed_once_v3_is_pinned(
        isvcs, kube, specs.canary_patch(version="4", storage_uri=V4, percent=20)
    )
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
    )
    assert fired and state.action == "held" and state.version == "4"
    assert "another model's canary pinned to 0 %" in state.written, state


def test_the_restart_at_the_deadline_names_the_change_and_the_pin(isvcs, kube):
    timeout_s = 1.0
    # v3's own run rolls back to v1 (pin, then v1 written back at 0 %) as the deadline passes:
    # not another model, so not held — the rollback fails, saying what it wrote
    fired = _changed_once_v3_is_pinned(
        isvcs,
        kube,
        specs.restore_patch(version="1", storage_uri=V1),
        before=lambda: time.sleep(timeout_s),
    )
    with pytest.raises(ServingChangedOutside) as info:
        rollout.rollback(
            isvcs, NAME, version="1", storage_uri=V1, timeout_s=timeout_s, failed_storage_uri=V2
        )
    msg = str(info.value)
    assert fired
    assert "this rollout deployed" not in msg, msg
    assert "changed again while the rollback was held" in msg and V1 in msg, msg
    assert "the other model's canary pinned to 0 %" in msg, msg
