"""A held rollback read only the FIRST ``latestRevision: true`` entry of
``status.components.predictor.traffic[]`` as the revision Knative routes the latest target to
(``rollout._routed``). With Knative's gradual rollout (``serving.knative.dev/rollout-duration``,
on the service or cluster-wide in ``config-network``) that target is several entries while a
revision ramps up, ordered OLDEST first: knative-v1.21.1
``pkg/reconciler/route/traffic/rollout.go`` (``ConfigurationRollout.Revisions``: "ordered from
oldest to the newest") and ``traffic.go`` ``GetRevisionTrafficTargets`` /``targetToStatus`` (one
status entry per rollout revision, each with the target's ``latestRevision``); KServe v0.20.0
``inference_service_status.go`` ``PropagateStatus`` copies ``traffic`` as it is.

So while the failed canary's revision was still ramping up (its share partly on the champion's
revision), a rollback held by another run's canary took the champion's revision for the routed
one and failed the step ("pin it out by hand") — whether the other model's revision was merely
starting (nothing to write) or had failed (the pin-out that abort-wins needs). Now every
revision of the latest target counts.

Through KubeApiDouble (tests/doubles/kube_api.py); the status read is rewritten into the
gradual-rollout form, which the double does not model."""

from __future__ import annotations

import copy
import functools

import pytest

from ctloop.errors import ServingTimeoutError
from ctloop.serving import isvc as specs
from ctloop.serving import kube as kube_mod
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, with_canary

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))
R1, R2 = f"{NAME}-predictor-00001", f"{NAME}-predictor-00002"


@pytest.fixture
def kube(monkeypatch):
    monkeypatch.setattr(rollout, "wait_for", functools.partial(kube_mod.wait_for, poll_s=0.02))
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double


def _ramping(obj: dict) -> dict:
    """``obj`` with the latest target's share split as Knative's gradual rollout reports it: the
    champion's revision (oldest) first, then the failed canary's, both ``latestRevision: true``."""
    obj = copy.deepcopy(obj)
    pred = obj["status"]["components"]["predictor"]
    latest = sum(
        int(t.get("percent") or 0) for t in pred["traffic"] if t.get("latestRevision") is True
    )
    assert pred["latestReadyRevision"] == R2 and latest >= 2, pred
    rest = [t for t in pred["traffic"] if t.get("latestRevision") is not True]
    pred["traffic"] = [
        {"revisionName": R1, "percent": 1, "latestRevision": True},
        {"revisionName": R2, "percent": latest - 1, "latestRevision": True},
        *rest,
    ]
    return obj


def _held_over(kube, *, other_fails: bool):
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with_canary(isvcs, NAME, V1, V2, percent=20)
    if other_fails:
        kube.fail_revisions(V3)
    else:
        kube.ready_after_reads = (
            10_000  # v3, another run's canary over the failed v2, keeps starting
        )
    isvcs.patch(NAME, specs.canary_patch(version="3", storage_uri=V3, percent=20))
    real_get = isvcs.get

    def get(name, *args, **kwargs):
        obj = real_get(name, *args, **kwargs)
        pred = ((obj or {}).get("status") or {}).get("components", {}).get("predictor", {})
        if pred.get("latestReadyRevision") == R2 and rollout.traffic_split(obj).get(R2):
            return _ramping(obj)  # v2's revision still ramping up when the hold reads it
        return obj

    isvcs.get = get
    return isvcs, real_get


def test_a_held_rollback_waits_while_the_failed_canary_still_ramps_up(kube):
    isvcs, _ = _held_over(kube, other_fails=False)
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=1, failed_storage_uri=V2
    )
    assert state.action == "held" and state.version == "3", state
    # the failed model's revision named as the one Knative gives the other canary's share to
    assert f"to the failed model's revision {R2}" in state.note, state.note


def test_a_held_rollback_pins_out_a_failed_other_canary_while_the_failed_one_ramps_up(kube):
    isvcs, real_get = _held_over(kube, other_fails=True)
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
    )
    assert state.action == "held" and "pinned to 0 %" in state.written, state
    pred = real_get(NAME)["spec"]["predictor"]
    assert pred["model"]["storageUri"] == V3 and pred["canaryTrafficPercent"] == 0
    assert not kube.traffic(NS, NAME).get(R2), kube.traffic(NS, NAME)


def test_routed_names_every_revision_of_the_latest_target():
    obj = {
        "status": {
            "components": {
                "predictor": {
                    "latestReadyRevision": "r3",
                    "traffic": [
                        {"revisionName": "r1", "percent": 2, "latestRevision": True},
                        {"revisionName": "r3", "percent": 8, "latestRevision": True},
                        {
                            "revisionName": "r1",
                            "percent": 90,
                            "latestRevision": False,
                            "tag": "prev",
                        },
                    ],
                }
            }
        }
    }
    assert rollout._routed(obj) == {"r1", "r3"}
    obj["status"]["components"]["predictor"]["traffic"] = []
    assert rollout._routed(obj) == {"r3"}  # no traffic[] yet: Knative routes the latest ready one


def test_a_wait_outlasted_by_the_gradual_rollout_says_so(kube):
    # the same split read by every wait: rollout-duration longer than the step's timeout
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    rollout.deploy(
        isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, percent=100, timeout_s=5
    )
    real_get = isvcs.get

    def get(name, *args, **kwargs):
        obj = real_get(name, *args, **kwargs)
        pred = ((obj or {}).get("status") or {}).get("components", {}).get("predictor", {})
        if pred.get("latestReadyRevision") == R2 and rollout.traffic_split(obj).get(R2):
            return _ramping(obj)
        return obj

    isvcs.get = get
    with pytest.raises(ServingTimeoutError) as timed_out:
        rollout.deploy(
            isvcs,
            name=NAME,
            model_name="credit",
            version="2",
            storage_uri=V2,
            percent=20,
            timeout_s=1,
        )
    assert f"gradual rollout was still moving the latest target's share from {R1} to {R2}" in str(
        timed_out.value
    ), str(timed_out.value)
    assert "rollout.timeout_seconds" in str(timed_out.value)
