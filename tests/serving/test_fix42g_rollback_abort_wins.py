"""Who decides when a failed canary's rollback meets a change. Flagger and Argo Rollouts let the
abort win: the failed model loses its traffic whatever was done to its share. ctloop's pin-back
gave up on the first 409 over such a change (``ChangedOutside``), left the failed canary its
traffic, and the pipeline's automatic retry of ``rollback_model`` (``ops.settings.RETRIED_STEPS``)
then pinned and replaced whatever the spec named 30 s later — ANOTHER model's canary included:
neither "abort wins" nor "whoever changed it decides" held.

Now abort wins for the failed model (a 409 whose spec still names it, any share, is read again and
the pin sent again), and a rollback given the failed version's model never pins or replaces another
one: that spec is left alone and the outcome is ``held`` with one line (no failed step, no retry).
The pin-back also outlasts a controller writing status after status: it is tried
``CONFLICT_ATTEMPTS`` times with a short backoff, not three times at once.

Through KubeApiDouble (``status_update_before_patches``: a status write moves ``resourceVersion``
before a PATCH, as KServe v0.20.0 ``controller.go`` ``updateStatus`` does) and, for the release, a
real MLflow store (tests/serving/test_rollout_components.py)."""

from __future__ import annotations

import time

import pytest

from ctloop.components.deploy.component import deploy_canary
from ctloop.components.rollback.component import rollback_model
from ctloop.errors import ServingConflictError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import with_canary
from tests.serving.test_fix41g_deploy_conditional import Meanwhile
from tests.serving.test_rollout_components import ISVC, MODEL, RELEASE, kube, registered

__all__ = ["kube", "registered"]  # fixtures

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))
OTHER = specs.canary_patch(version="3", storage_uri=V3, percent=20)


def _predictor(isvcs, name=NAME):
    p = isvcs.get(name)["spec"]["predictor"]
    return p["model"]["storageUri"], p.get("canaryTrafficPercent")


def _writes(kube, since=0):
    return [c for c in kube.calls[since:] if c[0] != "GET"]


def test_another_model_met_by_the_pin_back_is_held_not_failed_into_a_retry(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    state = rollout.rollback(
        Meanwhile(isvcs, OTHER),
        NAME,
        version="1",
        storage_uri=V1,
        timeout_s=5,
        failed_storage_uri=V2,
    )
    assert (state.action, state.version) == ("held", "3")
    assert _predictor(isvcs) == (V3, 20)


@pytest.mark.parametrize("change", [OTHER, None], ids=["another-model", "no-change"])
def test_a_retried_rollback_never_pins_or_replaces_another_model(isvcs, kube, change):
    """The retry of rollback_model after its first attempt met another model: it reads the spec again."""
    with_canary(isvcs, NAME, V1, V2)
    if change:
        isvcs.patch(NAME, change)
    n = len(kube.calls)
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
    )
    if change:
        assert state.action == "held" and not _writes(kube, n)
        assert _predictor(isvcs) == (V3, 20)
    else:
        assert state.action == "rolled_back" and _predictor(isvcs) == (V1, None)


def test_the_failed_canary_changed_by_hand_and_then_retried_is_rolled_back(isvcs, kube):
    """Its share moved by hand before a (retried) rollback: abort wins for the failed model."""
    with_canary(isvcs, NAME, V1, V2)
    isvcs.patch(NAME, specs.traffic_patch(50))
    state = rollout.rollback(
        isvcs, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
    )
    assert state.action == "rolled_back" and _predictor(isvcs) == (V1, None)


def test_the_pin_back_outlasts_steady_status_updates(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    n = len(kube.calls)
    kube.status_update_before_patches(4)  # more than the three immediate tries it used to make
    state = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=10)
    assert state.action == "rolled_back" and _predictor(isvcs) == (V1, None)
    pins = [
        c
        for c in _writes(kube, n)
        if c[2].get("spec", {}).get("predictor") == {"canaryTrafficPercent": 0}
    ]
    assert len(pins) == 5


def test_a_pin_back_that_never_gets_through_stops_within_its_bound(isvcs, kube, monkeypatch):
    with_canary(isvcs, NAME, V1, V2)
    kube.status_update_before_patches(1000)
    monkeypatch.setattr(rollout, "CONFLICT_BACKOFF_S", 0.0)  # the count, without the pauses
    with pytest.raises(
        ServingConflictError, match=f"refused {rollout.CONFLICT_ATTEMPTS} times with HTTP 409"
    ):
        rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=60)
    assert _predictor(isvcs) == (V2, 10)  # nothing written


def test_the_pin_back_pauses_no_longer_than_the_rollbacks_timeout(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2)
    kube.status_update_before_patches(1000)
    started = time.monotonic()
    with pytest.raises(ServingConflictError, match="refused [1-7] times with HTTP 409"):
        rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=1)
    assert time.monotonic() - started < 1.5
    assert _predictor(isvcs) == (V2, 10)


def test_rollback_model_retried_over_another_runs_canary_holds_and_says_so(
    registered, kube, capsys
):
    uri, registry = registered
    for version in ("1", "2"):
        deploy_canary.python_func(
            model_name=MODEL, version=version, rollout=RELEASE, tracking_uri=uri
        )
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    isvcs.patch(ISVC, OTHER)  # another run's canary, deployed after the first attempt met it
    n = len(kube.calls)
    outputs = rollback_model.python_func(
        model_name=MODEL,
        failed_version="2",
        rollout=RELEASE,
        reason="error rate 3 %",
        tracking_uri=uri,
    )
    assert not _writes(kube, n) and _predictor(isvcs, ISVC) == (V3, 20)
    out = capsys.readouterr().out
    assert (
        f"rollback of {MODEL} v2 held" in out and "names v3 now" in out and "nothing written" in out
    )
    # held, not "rolled back from v2 to v1": the model the spec names is the one the step reports
    assert "rolled back" not in out and outputs.serving_version == "", (out, outputs)
    from ctloop.local import summarize_rollout

    class Run:  # the local run's task outputs, as summarize_rollout reads them
        def task(self, name):
            return {"serving_version": outputs.serving_version} if name == "rollback-model" else None

    assert summarize_rollout(Run()) == [
        "rollback  held: the spec names another run's model, left to it, or the InferenceService is gone and "
        "the rollback not applied (ctloop rollout status --model-name)"]
    assert registry.get_version(MODEL, "2").tags["ctloop.rollout.status"] == "rollback_held"
    (event,) = [e for e in registry.audit_log(MODEL) if e["event"] == "rollback"]
    assert event["action"] == "held"
