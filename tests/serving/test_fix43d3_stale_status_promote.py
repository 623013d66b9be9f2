"""A rollback run after the champion's storageUri was written back at 0 % (by another run, or this
step's attempt before) while KServe's status is stale — the failed model's revision still shown as
created *and* ready — must not promote: the promote would give that revision 100 %. The ready
revision's own storageUri (its Knative Revision annotation) decides, not the status alone."""

import functools

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import kube as kube_mod
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, with_canary
from tests.serving.test_fix43d2_rollback_restored_spec import _watch_failed_share

NS, NAME = "ml", "credit-default"
V1, V2 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2))


@pytest.fixture
def kube(monkeypatch):
    monkeypatch.setattr(rollout, "wait_for", functools.partial(kube_mod.wait_for, poll_s=0.02))
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double


def test_stale_status_after_restore_waits_at_zero_before_promoting(kube):
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with_canary(isvcs, NAME, V1, V2)
    isvcs.patch(NAME, specs.pin_back_patch())
    isvcs.get(NAME)
    kube.ready_after_reads = 4
    kube.lag_reconcile(
        3
    )  # KServe reconciles the restore three reads later: the status still shows v2's revision
    isvcs.patch(NAME, specs.restore_patch(version="1", storage_uri=V1))
    seen = _watch_failed_share(isvcs, kube, V2)
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
    )
    assert state.action == "rolled_back"
    assert not seen, f"the failed v2 revision routed again: {seen}"
