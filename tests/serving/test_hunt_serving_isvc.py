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
