"""Two registry versions of one model directory (the same run registered twice: one storageUri).
With v2 serving, deploying v3 read "unchanged" (the storageUri is the same) and answered version
"2"; ``analyze`` then promoted v3 (nothing to compare) while the spec's label and the predictor
annotation — what Prometheus and the inference log attribute traffic to (the payload logger's
``metadataAnnotations``) — still said v2. A rollback to v3 over v2's spec did the same. Now the
spec is made to name the version being deployed (label, predictor annotations, hash): the
annotations are part of the revision template (KServe v0.20.0 ``components/predictor.go``), so a
new revision of the same model starts, and the step waits for it. Through KubeApiDouble.
"""

from types import SimpleNamespace

import pytest

from ctloop.config import RolloutConfig
from ctloop.serving import isvc as specs
from ctloop.serving import release, rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit"
V1, SHARED = "gs://models/run1/model-joblib", "gs://models/run2/model-joblib"
URIS = {"1": V1, "2": SHARED, "3": SHARED}
SHA = {"1": "1" * 64, "2": "2" * 64, "3": "2" * 64}
REV = "credit-predictor-{:05d}".format


class Registry:
    def __init__(self):
        self.events, self.promoted, self.champ = [], [], None

    def champion(self, m):
        return self.champ

    def model_artifact_uri(self, m, v):
        return URIS[str(v)]

    def serving_sha256(self, m, v):
        return SHA[str(v)]

    def record_event(self, m, v, event):
        self.events.append((v, event))

    def set_tags(self, m, v, tags):
        pass

    def get_version(self, m, v):  # a deploy reads the version's tags (none here)
        return SimpleNamespace(version=str(v), tags={})

    def promote(self, m, v, **kw):
        self.promoted.append(v)
        self.champ = SimpleNamespace(version=str(v))


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=2) as double:
        yield double


def _named(kube):
    obj = kube.objects[(NS, NAME)]
    return (obj["metadata"]["labels"][specs.VERSION_LABEL],
            obj["spec"]["predictor"]["annotations"][specs.VERSION_LABEL],
            obj["spec"]["predictor"]["model"]["storageUri"])


def test_deploying_another_version_of_the_served_model_directory_names_it(kube):
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    cfg = RolloutConfig(inference_service=NAME, namespace=NS, timeout_seconds=5)
    reg = Registry()
    outcome = release.canary(reg, isvcs, model_name="credit", version="2", reason="first", cfg=cfg)
    assert outcome.decision == "promoted" and _named(kube) == ("2", "2", SHARED)
    outcome = release.canary(reg, isvcs, model_name="credit", version="3", reason="retrained", cfg=cfg)
    assert outcome.deployed.action == "unchanged"
    assert outcome.deployed.version == "3"  # was "2"
    assert reg.champ.version == "3"
    assert _named(kube) == ("3", "3", SHARED)  # was ("2", "2", ...): v3 champion, v2 in the log
    assert outcome.deployed.traffic == {REV(2): 100}  # a new revision, labelled v3, serves
    assert kube.revision_uri(NS, NAME, REV(2)) == SHARED


def test_a_canary_of_another_version_of_the_same_directory_is_analysed_as_that_version(kube):
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    for version, share in (("1", 100), ("2", 10)):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version=version, storage_uri=URIS[version],
                       percent=share, timeout_s=5)
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="3", storage_uri=SHARED, percent=10,
                           timeout_s=5, model_sha256=SHA["3"])
    assert (state.action, state.version) == ("canary", "3")
    assert (state.latest_revision, state.previous_revision) == (REV(3), REV(1))  # was REV(2), labelled v2
    assert state.traffic == {REV(3): 10, REV(1): 90}
    assert _named(kube) == ("3", "3", SHARED)


def test_a_rollback_to_another_version_of_the_served_directory_names_it(kube):
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=SHARED, timeout_s=5)
    state = rollout.rollback(isvcs, NAME, version="3", storage_uri=SHARED, timeout_s=5, model_sha256=SHA["3"])
    assert (state.action, state.version, state.traffic) == ("unchanged", "3", {REV(2): 100})
    assert _named(kube) == ("3", "3", SHARED)


def test_the_version_already_named_changes_nothing(kube):
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=SHARED, timeout_s=5)
    writes = len([c for c in kube.calls if c[0] == "PATCH"])
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=SHARED, timeout_s=5)
    assert (state.action, state.traffic) == ("unchanged", {REV(1): 100})
    assert len([c for c in kube.calls if c[0] == "PATCH"]) == writes
