"""Rollout primitives on InferenceServices ctloop did not write: hostile or foreign shapes must be
refused in one line before any patch, never a KeyError traceback after a traffic change."""

from __future__ import annotations

import copy

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout

NS, NAME = "ml", "iris"
REV = f"{NAME}-predictor-00001"


class Isvcs:
    """The InferenceServices seam (get / patch) over one object, recording the patches."""

    namespace = NS

    def __init__(self, obj):
        self.obj, self.patches = copy.deepcopy(obj), []

    def get(self, name):
        return copy.deepcopy(self.obj)

    def patch(self, name, patch):
        self.patches.append(patch)
        self.obj = specs.merge_patch(self.obj, patch)
        return self.obj

    def revision_not_ready(self, revision):
        return None  # no Knative Revisions behind this seam: whether one is Ready cannot be told


def legacy_sklearn() -> dict:
    """KServe's per-framework predictor form (KServe v0.20.0 ``pkg/apis/serving/v1beta1/
    predictor.go`` PredictorSpec.SKLearn, still served; docs/samples/v1beta1/rollout use it),
    ready at 100 % on its first revision (status shape of ``inference_service_status.go``)."""
    return {
        "apiVersion": specs.API_VERSION, "kind": specs.KIND,
        "metadata": {"name": NAME, "namespace": NS,
                     "annotations": {specs.MODE_ANNOTATION: specs.KNATIVE}},
        "spec": {"predictor": {"sklearn": {"storageUri": "gs://kfserving-examples/models/sklearn/1.0/model"}}},
        "status": {"deploymentMode": specs.KNATIVE, "components": {"predictor": {
            "latestCreatedRevision": REV, "latestReadyRevision": REV, "latestRolledoutRevision": REV,
            "traffic": [{"revisionName": REV, "latestRevision": True, "percent": 100}]}}},
    }


@pytest.mark.parametrize("action", ["deploy", "rollback"])
def test_a_predictor_in_the_per_framework_form_is_refused_before_any_patch(action):
    """Before: KeyError 'model' (rollout._spec_version). A canary patch would put a second model
    beside ``sklearn:``, which KServe's webhook refuses (validateExactlyOneImplementation)."""
    isvcs = Isvcs(legacy_sklearn())
    with pytest.raises(ServingError) as err:
        if action == "deploy":
            rollout.deploy(isvcs, name=NAME, model_name="iris", version="2", storage_uri="gs://m/2",
                           timeout_s=1)
        else:
            rollout.rollback(isvcs, NAME, version="1", storage_uri="gs://m/1", timeout_s=1)
    message = str(err.value)
    assert "\n" not in message and f"{NS}/{NAME}" in message, message
    assert "spec.predictor.model.storageUri" in message and "sklearn" in message, message
    assert isvcs.patches == []


def test_a_spec_without_a_predictor_is_refused_naming_the_field():
    obj = legacy_sklearn()
    obj["spec"] = {}
    isvcs = Isvcs(obj)
    with pytest.raises(ServingError, match="no spec.predictor.model.storageUri"):
        rollout.deploy(isvcs, name=NAME, model_name="iris", version="2", storage_uri="gs://m/2", timeout_s=1)
    assert isvcs.patches == []


# ------------------------------------------------------------- the real client against the double
V1, V2 = "gs://models/run1/artifacts/model-joblib", "gs://models/run2/artifacts/model-joblib"


def test_redeploying_a_canary_pinned_back_to_0_never_gives_it_traffic_again(kube):
    """Rollback step 1 (canaryTrafficPercent 0) landed, step 2 did not (the champion's files
    unreachable, the run stopped); the rollout of that version is run again. Before: deploy read a
    canary "still to be analysed" and patched it back to the plan's first share (5 %), so the
    rolled-back model served again. A plan never writes 0 (config.traffic_plan: 1..100), so 0 is
    a rollback (isvc.check_promotable): refused, and release.deploy then finishes the rollback."""
    from ctloop.serving.kube import InferenceServices

    isvcs = InferenceServices(NS, api_client=kube.api_client())
    deploy = dict(name=NAME, model_name="iris", timeout_s=5)
    rollout.deploy(isvcs, version="1", storage_uri=V1, **deploy)
    canary = rollout.deploy(isvcs, version="2", storage_uri=V2, percent=5, **deploy)
    isvcs.patch(NAME, specs.pin_back_patch())
    rollout.wait_for(isvcs, NAME, lambda o: rollout.traffic_split(o).get(canary.latest_revision, 0) == 0,
                     timeout_s=5, what="pinned back")
    with pytest.raises(ServingError, match="canaryTrafficPercent 0") as err:
        rollout.deploy(isvcs, version="2", storage_uri=V2, percent=5, **deploy)
    assert "\n" not in str(err.value)
    assert kube.traffic(NS, NAME).get(canary.latest_revision, 0) == 0
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 0


def test_rollout_status_shows_a_per_framework_predictor(monkeypatch, capsys):
    """`ctloop rollout status` only reads: it shows a predictor ctloop cannot drive (KeyError 'model'
    before) and says why a rollout would refuse it."""
    from ctloop.cli import main
    from ctloop.cli import rollout as cli

    monkeypatch.setattr(cli, "_isvcs", lambda args: Isvcs(legacy_sklearn()))
    assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
    out = capsys.readouterr().out
    assert "storageUri gs://kfserving-examples/models/sklearn/1.0/model (sklearn:" in out, out
    assert f"100 %  {REV}" in out


def pinned_back() -> dict:
    """A canary pinned back to 0 % (a raw canaryTrafficPercent: 0, or a rollback interrupted
    before it wrote the champion back): the spec still names the rolled-back model."""
    obj = legacy_sklearn()
    obj["spec"]["predictor"] = {"model": {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://m/2"},
                                "canaryTrafficPercent": 0}
    return obj


def test_a_canary_pinned_back_to_0_gets_traffic_again_only_with_force():
    """`make canary PERCENT>0` refuses it without FORCE=1; `ctloop rollout canary --percent N` gave
    the rolled-back model traffic again without a word."""
    isvcs = Isvcs(pinned_back())
    with pytest.raises(ServingError, match=r"has canaryTrafficPercent 0: .* 10 % would give that version traffic "
                                           r"again; .*--force"):
        rollout.set_traffic(isvcs, NAME, 10, timeout_s=1)
    assert isvcs.patches == []


def test_the_cli_asks_for_force_the_same_way(monkeypatch, capsys):
    from ctloop.cli import main
    from ctloop.cli import rollout as cli

    seam = Isvcs(pinned_back())
    monkeypatch.setattr(cli, "_isvcs", lambda args: seam)
    assert main(["rollout", "canary", "--isvc", NAME, "--namespace", NS, "--percent", "10", "--timeout", "1"]) == 2
    assert "--force" in capsys.readouterr().err and seam.patches == []


def test_a_wait_polls_on_through_an_api_server_that_does_not_answer_once():
    """With a request timeout, one poll that got no answer ended a wait for a revision at once
    (review): a wait with time left polls on; at its deadline the last error is raised."""
    from ctloop.errors import ServingUnreachable
    from ctloop.serving.kube import wait_for

    class Flaky(Isvcs):
        def __init__(self, obj, misses):
            super().__init__(obj)
            self.misses = misses

        def get(self, name):
            if self.misses:
                self.misses -= 1
                raise ServingUnreachable("get InferenceService ml/iris: the API server did not answer")
            return super().get(name)

    seen = wait_for(Flaky(legacy_sklearn(), 2), NAME, lambda o: True, timeout_s=5, what="ready", poll_s=0.01)
    assert seen["metadata"]["name"] == NAME
    with pytest.raises(ServingUnreachable):
        wait_for(Flaky(legacy_sklearn(), 10**6), NAME, lambda o: True, timeout_s=0.05, what="ready", poll_s=0.01)
