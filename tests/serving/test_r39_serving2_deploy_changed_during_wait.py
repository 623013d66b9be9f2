"""An operator's ``kubectl patch isvc --type merge -p '{"spec":{"predictor":{"canaryTrafficPercent":30}}}'``
landing while ``deploy_canary`` waits for its new revision with the plan's first share made the
wait look for a split that never came: it ran out ``timeout_seconds``, and ``release.deploy``
then rolled back (the spec named the new model), undoing the operator's change. As for
``set_traffic``/``promote`` (``ServingChangedOutside`` once canaryTrafficPercent is no longer the
one written), the deploy's wait now stops at once; ``release.deploy`` holds: it neither rolls
back nor goes on (the step fails naming the change; nothing after it runs), as ``analyze``
decides ``hold`` for a change during the analysis. Through KubeApiDouble.
"""

from types import SimpleNamespace

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import ServingChangedOutside, ServingTimeoutError
from ctloop.serving import isvc as specs
from ctloop.serving import release, rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit"
V1, V2 = "gs://models/v1", "gs://models/v2"


class OperatorAfterTheDeploy(InferenceServices):
    """The operator's patch lands right after ctloop's patch writing a new storageUri."""

    operator: dict = {}

    def patch(self, name, patch):
        out = super().patch(name, patch)
        if ((patch.get("spec") or {}).get("predictor") or {}).get("model") and self.operator:
            operator, self.operator = self.operator, {}
            out = super().patch(name, operator)
        return out


class Registry:
    def __init__(self):
        self.events, self.tags, self.champ = [], [], None

    def champion(self, m):
        return self.champ

    def model_artifact_uri(self, m, v):
        return f"gs://models/v{v}"

    def serving_sha256(self, m, v):
        return ""

    def record_event(self, m, v, event):
        self.events.append(event)

    def get_version(self, m, v):  # the version's tags, as a rollback reads them before it tags it
        return SimpleNamespace(version=str(v), tags={})

    def set_tags(self, m, v, tags):
        self.tags.append((v, tags))


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=3) as double:
        yield double


def _v1_serving(kube):
    isvcs = OperatorAfterTheDeploy(NS, api_client=kube.api_client())
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    return isvcs


@pytest.mark.parametrize("strategy, operator, now", [
    ("canary", specs.traffic_patch(30), "30, this rollout set 5"),
    ("canary", specs.promote_patch(), r"unset \(all traffic on the latest revision\), this rollout set 5"),
    ("blue-green", specs.traffic_patch(0), "0, this rollout set 100"),
])
def test_a_share_changed_while_deploy_waits_is_changed_outside(kube, strategy, operator, now):
    isvcs = _v1_serving(kube)
    isvcs.operator = operator
    with pytest.raises(ServingChangedOutside, match=rf"changed outside this rollout while waiting for .*"
                                                    rf"canaryTrafficPercent is {now}") as info:
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5,
                       strategy=strategy, timeout_s=3)
    assert not isinstance(info.value, ServingTimeoutError)  # was: the timeout ran out


def test_release_deploy_holds_instead_of_rolling_back_the_operators_change(kube):
    isvcs = _v1_serving(kube)
    reg = Registry()
    reg.champ = type("Champion", (), {"version": "1"})()
    isvcs.operator = specs.traffic_patch(30)
    cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=3, traffic_plan=[5, 50])
    with pytest.raises(ServingChangedOutside, match=r"deploying credit v2 to credit stopped: .*canaryTrafficPercent "
                                                    r"is 30, this rollout set 5; left as it is, neither rolled back "
                                                    r"nor promoted"):
        release.deploy(reg, isvcs, model_name="credit", version="2", cfg=cfg)
    predictor = kube.objects[(NS, NAME)]["spec"]["predictor"]
    assert (predictor["model"]["storageUri"], predictor["canaryTrafficPercent"]) == (V2, 30)  # was: v1 written back
    assert not reg.tags and not [e for e in reg.events if e.get("event") == "rollback"]


def test_another_model_deployed_while_deploy_waits_is_changed_outside_not_its_canary(kube):
    """Another run deploys v3 at the same share right after this deploy's patch of v2: v3's
    revision got ready with 5 % and passed for v2's canary (latest_revision named v3's revision)."""
    isvcs = _v1_serving(kube)
    isvcs.operator = specs.canary_patch(version="3", storage_uri="gs://models/v3", percent=5)
    with pytest.raises(ServingChangedOutside, match=r"its storageUri is gs://models/v3, this rollout deployed "
                                                    r"gs://models/v2"):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5, timeout_s=3)
