"""Review G, finding 1: a deploy while the champion's revision is still STARTING (image pull, model
download: ``PredictorConfigurationReady`` Unknown, no ``latestReadyRevision`` yet).

deploy took the first-deployment path whenever ``latestReadyRevision`` was empty, so a revision
that was only starting was treated like one that failed: the new version went out at 100 % with
no pin, reported ``created``, and ``release.analyze`` promoted it with no check at all although
the registry had a champion. KServe v0.20.0 gives a real canary once the champion's revision is
ready: ``pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go``
``createKnativeService`` splits ``latest``/``prev`` as soon as a ``latestRolledoutRevision``
exists, which ``pkg/apis/serving/v1beta1/inference_service_status.go`` ``PropagateStatus`` sets
when the revision is ready with 100 %. Now deploy takes the first-deployment path only when the
latest created revision FAILED or none exists; a starting one is waited for within ``timeout_s``,
else the deploy is refused with nothing written; and ``analyze`` never promotes a ``created``
release while the registry's champion is another version.
"""

from types import SimpleNamespace

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import ServingError
from ctloop.serving import release, rollout

NS, NAME = "ml", "credit-default"
V1, V2 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2))
REV = "credit-default-predictor-{:05d}".format


def _champion_still_starting(isvcs, kube):
    kube.stall()  # v1's image still pulling: neither ready nor failed
    with pytest.raises(ServingError, match="not reached within"):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=1)
    status = isvcs.get(NAME)["status"]
    assert status["components"]["predictor"]["latestCreatedRevision"] == REV(1)
    assert status["components"]["predictor"]["latestReadyRevision"] == ""
    assert status["conditions"][0]["status"] == "Unknown"


def test_a_champion_revision_that_becomes_ready_during_the_deploy_gets_a_real_canary(isvcs, kube):
    _champion_still_starting(isvcs, kube)
    get = isvcs.get

    def get_then_image_arrives(name):
        obj = get(name)
        kube.stall(False)  # v1's image arrives just after the deploy read the status
        return obj

    isvcs.get = get_then_image_arrives
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10,
                           timeout_s=5)
    assert state.action == "canary"  # was "created": v2 at 100 %, no pin, nothing to compare with
    assert state.traffic == {REV(2): 10, REV(1): 90}
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 10


def test_a_champion_revision_still_starting_at_the_timeout_is_refused_with_nothing_written(isvcs, kube):
    _champion_still_starting(isvcs, kube)
    with pytest.raises(ServingError, match=f"{REV(1)}.*still starting") as err:
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10,
                       timeout_s=1)
    assert "nothing written" in str(err.value)
    spec = isvcs.get(NAME)["spec"]["predictor"]
    assert spec["model"]["storageUri"] == V1 and "canaryTrafficPercent" not in spec


def test_a_champion_revision_that_fails_while_waited_for_makes_a_first_deployment(isvcs, kube):
    kube.fail_revisions(V1)
    _champion_still_starting(isvcs, kube)
    kube.stall(False)  # v1's revision fails on the next read
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10,
                           timeout_s=5)
    assert state.action == "created" and state.traffic == {REV(2): 100}


class Registry:
    def __init__(self, champion):
        self.champ = SimpleNamespace(version=champion) if champion else None
        self.promoted, self.events = [], []

    def champion(self, model_name):
        return self.champ

    def model_artifact_uri(self, model_name, version):
        return f"gs://models/run{version}/artifacts/model-joblib"

    def serving_sha256(self, model_name, version):
        return ""

    def record_event(self, model_name, version, event):
        self.events.append(event)

    def set_tags(self, *args):
        pass

    def get_version(self, model_name, version):  # a deploy reads the version's tags (none here)
        return SimpleNamespace(version=str(version), tags={})

    def load_meta(self, *args):
        return {}

    def promote(self, model_name, version, **kw):
        self.promoted.append(version)


def test_analyze_never_promotes_a_created_release_over_another_champion(isvcs):
    cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=2)
    reg = Registry("1")
    result = release.analyze(reg, isvcs, model_name="credit", version="2", cfg=cfg, deploy_action="created",
                             canary_revision=REV(2), stable_revision="",
                             check=lambda p: pytest.fail("nothing to compare with: no check"))
    assert result.decision == "hold"  # was "promote" with no check at all
    assert "v1" in result.reason and "ctloop rollout promote" in result.reason


@pytest.mark.parametrize("champion", [None, "2"])
def test_analyze_still_promotes_a_created_first_deployment(isvcs, champion):
    cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=2)
    result = release.analyze(Registry(champion), isvcs, model_name="credit", version="2", cfg=cfg,
                             deploy_action="created", canary_revision=REV(1), stable_revision="")
    assert result.decision == "promote"


def test_the_chain_champion_starting_then_a_new_version_is_analysed_not_promoted_blind(isvcs, kube):
    """probe_chain: v3 over champion v1 whose revision is still starting at every read."""
    cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=1)
    reg = Registry("1")
    _champion_still_starting(isvcs, kube)
    checks = []
    with pytest.raises(ServingError, match="still starting"):
        release.canary(reg, isvcs, model_name="credit", version="3", reason="r", cfg=cfg,
                       check=lambda p: (checks.append(p) or (False, "worse", {})))
    assert reg.promoted == [] and checks == []
    assert isvcs.get(NAME)["spec"]["predictor"]["model"]["storageUri"] == V1
