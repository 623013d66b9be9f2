"""Review I, finding 3: a ``created`` release over another registry champion is held
(``release.analyze``), but the same version run again found its spec in place, deploy answered
``unchanged`` — also in ``FIRST_DEPLOYMENT`` — and the analysis promoted it with no check at all:
v1's revision failed, v2 went out at 100 % as a first deployment and was held; the rerun made v2
champion. Now ``unchanged`` is held too whenever there is no previous revision to compare with
and the registry's champion is another version; an ``unchanged`` release of the champion itself,
or of a model with no champion, is still promoted.
"""

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import ServingError
from ctloop.serving import release, rollout
from tests.serving.test_fix40g_deploy_champion_still_starting import NAME, NS, REV, V1, Registry


def _v1_failed_then_v2_held(isvcs, kube, cfg, reg):
    kube.fail_revisions(V1)
    with pytest.raises(ServingError):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=1)
    out = release.canary(reg, isvcs, model_name="credit", version="2", reason="r", cfg=cfg,
                         check=lambda p: pytest.fail("nothing to compare with: no check"))
    assert out.decision == "held" and out.deployed.action == "created"


def test_a_rerun_of_a_held_first_deployment_is_held_again_not_promoted(isvcs, kube):
    cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=3)
    reg = Registry("1")
    _v1_failed_then_v2_held(isvcs, kube, cfg, reg)
    checks = []
    out = release.canary(reg, isvcs, model_name="credit", version="2", reason="r", cfg=cfg,
                         check=lambda p: (checks.append(p) or (False, "worse", {})))
    assert out.deployed.action == "unchanged" and out.deployed.previous_revision == ""
    assert out.decision == "held"  # was "promoted": registry champion v2, nothing checked
    assert reg.promoted == [] and checks == []
    assert "v1" in out.reason and "ctloop rollout promote" in out.reason
    assert reg.events[-1] == {"event": "analysis", "decision": "hold", "reason": out.reason, "pipeline_run": "",
                              "inference_service": NAME, "namespace": NS}
    assert isvcs.get(NAME)["spec"]["predictor"]["model"]["storageUri"].endswith("run2/artifacts/model-joblib")


def test_analyze_holds_unchanged_without_a_previous_revision_over_another_champion(isvcs):
    cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=2)
    result = release.analyze(Registry("1"), isvcs, model_name="credit", version="2", cfg=cfg,
                             deploy_action="unchanged", canary_revision=REV(2), stable_revision="",
                             check=lambda p: pytest.fail("nothing to compare with: no check"))
    assert result.decision == "hold"


@pytest.mark.parametrize("champion", [None, "2"])
def test_analyze_still_promotes_unchanged_for_the_champion_or_without_one(isvcs, champion):
    cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=2)
    result = release.analyze(Registry(champion), isvcs, model_name="credit", version="2", cfg=cfg,
                             deploy_action="unchanged", canary_revision=REV(2), stable_revision="")
    assert result.decision == "promote"


def test_analyze_still_promotes_unchanged_beside_a_previous_revision(isvcs):
    """The spec already serves v2 alone beside v1's rolled-out revision (its promote patch landed,
    the registry write did not): promoted as before, finishing the registry's half."""
    cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=2)
    result = release.analyze(Registry("1"), isvcs, model_name="credit", version="2", cfg=cfg,
                             deploy_action="unchanged", canary_revision=REV(2), stable_revision=REV(1))
    assert result.decision == "promote"
