"""promote_model is a retried step (ops/settings.py RETRIED_STEPS; the compiled rollout.yaml gives
it maxRetryCount 2). An operator moving the canary by hand (``kubectl patch ... canaryTrafficPercent:
10``) while the first attempt waited for 100 % ended that attempt with ServingChangedOutside, but
the retry read the spec afresh, found a canary at 10 % — only a pin at 0 % was refused — and
promoted it: the operator's change undone by the step that had just reported it. The
``promote_model`` step now promotes only a spec whose canaryTrafficPercent is the one the
analysis last wrote (the plan's last step; blue-green: 100), or none (its own promote patch landed
before the retry; nothing was analysed). ``ctloop rollout promote`` by hand promotes any share.
Through KubeApiDouble and a real MLflow store (tests/serving/test_rollout_components.py).
"""

from __future__ import annotations

import pytest

from ctloop.components.deploy.component import deploy_canary
from ctloop.components.promote.component import promote_model
from ctloop.errors import ServingChangedOutside
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.serving.test_rollout_components import ISVC, MODEL, NS, RELEASE, kube, registered

__all__ = ["kube", "registered"]  # fixtures

PLAN = [5, 25, 50]
CFG = {**RELEASE, "traffic_plan": PLAN}


HAND: dict[str, int] = {}  # the share an operator sets right after the promote patch lands


@pytest.fixture(autouse=True)
def operator_during_the_wait(monkeypatch):
    """promote_model makes its own InferenceServices: the operator is patched into the class."""
    original = InferenceServices.patch

    def patch(self, name, patch):
        out = original(self, name, patch)
        predictor = (patch.get("spec") or {}).get("predictor") or {}
        if HAND and "canaryTrafficPercent" in predictor and predictor["canaryTrafficPercent"] is None:
            out = original(self, name, specs.traffic_patch(HAND.pop("percent")))
        return out

    monkeypatch.setattr(InferenceServices, "patch", patch)
    yield
    HAND.clear()


def _analysed_canary(registered, kube):
    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=CFG, tracking_uri=uri)
    deploy_canary.python_func(model_name=MODEL, version="2", rollout=CFG, tracking_uri=uri)
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    rollout.set_traffic(isvcs, ISVC, PLAN[-1], timeout_s=10)  # the analysis' walk ends at the plan's last step
    return uri, registry, isvcs


def test_the_retry_of_a_promote_stopped_by_a_hand_change_does_not_undo_it(registered, kube):
    uri, registry, isvcs = _analysed_canary(registered, kube)
    HAND["percent"] = 10
    with pytest.raises(ServingChangedOutside, match=r"canaryTrafficPercent is 10, this rollout removed it"):
        promote_model.python_func(model_name=MODEL, version="2", reason="canary passed", tracking_uri=uri, rollout=CFG)
    # the KFP retry of the same step
    with pytest.raises(ServingChangedOutside, match=r"canaryTrafficPercent is 10.*the analysis last set 50"):
        promote_model.python_func(model_name=MODEL, version="2", reason="canary passed", tracking_uri=uri, rollout=CFG)
    assert isvcs.get(ISVC)["spec"]["predictor"]["canaryTrafficPercent"] == 10  # the operator's share kept
    assert registry.champion(MODEL).version == "1"


def test_the_retry_after_its_own_promote_landed_finishes(registered, kube):
    uri, registry, isvcs = _analysed_canary(registered, kube)
    isvcs.patch(ISVC, specs.promote_patch())  # attempt 1's patch landed, its pod died in the wait
    promote_model.python_func(model_name=MODEL, version="2", reason="canary passed", tracking_uri=uri, rollout=CFG)
    assert registry.champion(MODEL).version == "2" and list(kube.traffic(NS, ISVC).values()) == [100]


def test_a_canary_at_the_plans_last_step_is_promoted(registered, kube):
    uri, registry, _ = _analysed_canary(registered, kube)
    promote_model.python_func(model_name=MODEL, version="2", reason="canary passed", tracking_uri=uri, rollout=CFG)
    assert registry.champion(MODEL).version == "2" and list(kube.traffic(NS, ISVC).values()) == [100]


def test_promote_by_hand_promotes_any_share(registered, kube, capsys):
    from ctloop.cli import main

    uri, registry, isvcs = _analysed_canary(registered, kube)
    rollout.set_traffic(isvcs, ISVC, 10, timeout_s=10)
    code = main(["rollout", "promote", "--isvc", ISVC, "--namespace", NS, "--timeout", "10",
                 "--model-name", MODEL, "--version", "2", "--tracking-uri", uri])
    assert code == 0, capsys.readouterr().err
    assert registry.champion(MODEL).version == "2" and list(kube.traffic(NS, ISVC).values()) == [100]
