"""Every conditional write of a rollout meets the KServe controller's status writes the same way
(round 42 left alone: promote, move and deploy made 3 immediate attempts on a 409, rollback 8
with a backoff within its deadline).

While revisions start and become ready the controller writes status after status
(``Status().Update``: the resourceVersion moves, ``metadata.generation`` does not; KServe v0.20.0
``pkg/controller/v1beta1/inferenceservice/controller.go`` ``updateStatus``), and the API server
answers a patch carrying the resourceVersion read before them 409 (k8s.io/apiserver
``pkg/registry/generic/registry/store.go``, OptimisticLockErrorMsg). Four status updates in a row
made promote, a traffic move and a deploy give up with ServingConflictError while the rollback
sailed through. All now retry CONFLICT_ATTEMPTS times with the same backoff, within the step's
own timeout.

Through KubeApiDouble (tests/doubles/kube_api.py: ``status_update_before_patches``)."""

from __future__ import annotations

import time

import pytest

from ctloop.errors import ServingConflictError
from ctloop.serving import rollout
from tests.doubles.kube_api import with_canary

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))


@pytest.fixture(autouse=True)
def _no_pauses(monkeypatch):
    # the count matters here, not the pauses: 0.01 s doubled up to CONFLICT_MAX_PAUSE_S still
    # slept about 1.3 s per exhausted write
    monkeypatch.setattr(rollout, "CONFLICT_BACKOFF_S", 0.0)
    monkeypatch.setattr(rollout, "CONFLICT_MAX_PAUSE_S", 0.0)


def _spec(isvcs):
    pred = isvcs.get(NAME)["spec"]["predictor"]
    return pred["model"]["storageUri"], pred.get("canaryTrafficPercent")


def test_promote_gets_through_four_status_updates(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    kube.status_update_before_patches(4)
    assert rollout.promote(isvcs, NAME, timeout_s=10).action == "promoted"
    assert _spec(isvcs) == (V2, None)


def test_a_traffic_move_gets_through_four_status_updates(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    kube.status_update_before_patches(4)
    assert rollout.set_traffic(isvcs, NAME, 25, timeout_s=10).action == "traffic"
    assert _spec(isvcs) == (V2, 25)


def test_a_deploy_gets_through_four_status_updates(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    kube.status_update_before_patches(4)
    state = rollout.deploy(
        isvcs, name=NAME, model_name="credit", version="3", storage_uri=V3, percent=10, timeout_s=10
    )
    assert state.action == "canary" and _spec(isvcs) == (V3, 10)


def test_the_same_bound_for_every_write(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    kube.status_update_before_patches(1000)
    with pytest.raises(
        ServingConflictError, match=f"refused {rollout.CONFLICT_ATTEMPTS} times with HTTP 409"
    ):
        rollout.promote(isvcs, NAME, timeout_s=60)
    assert _spec(isvcs) == (V2, 10)  # nothing written


def test_the_pauses_stop_at_the_steps_timeout(isvcs, kube, monkeypatch):
    monkeypatch.setattr(rollout, "CONFLICT_BACKOFF_S", 0.4)
    monkeypatch.setattr(rollout, "CONFLICT_MAX_PAUSE_S", 2.0)
    with_canary(isvcs, NAME, V1, V2)
    kube.status_update_before_patches(1000)
    before = len([c for c in kube.calls if c[0] == "PATCH"])
    started = time.monotonic()
    with pytest.raises(ServingConflictError, match="refused [2-7] times with HTTP 409"):
        rollout.set_traffic(isvcs, NAME, 25, timeout_s=1)
    took = time.monotonic() - started
    tries = len([c for c in kube.calls if c[0] == "PATCH"]) - before
    # it paused (three immediate tries did not) and stopped at the timeout, not after all tries
    assert 0.4 <= took < 3 and 2 <= tries < rollout.CONFLICT_ATTEMPTS, (took, tries)
    assert _spec(isvcs) == (V2, 10)
