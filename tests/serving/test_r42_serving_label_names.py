"""A registered model name is free text in MLflow ("credit default"), but deploy writes it as the
InferenceService label ``ctloop.dev/model-name``: the API server refused the create with 422
(k8s.io/apimachinery ``pkg/util/validation/validation.go`` ``IsValidLabelValue``: at most 63
letters, digits, '-', '_', '.', starting and ending with a letter or digit) once the rollout had
begun. The spec builder now refuses it first, one line naming ``model_name`` and the value, and
nothing is written. Through KubeApiDouble, which (unlike the real API server) takes any label
value: the test checks that nothing was sent, not that the double refused it."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit-default"
V1 = "gs://models/run1/artifacts/model-joblib"


@pytest.mark.parametrize(
    "model_name",
    ["credit default", "x" * 64, "-credit", "crédit"],
    ids=["space", "64-chars", "leading-dash", "non-ascii"],
)
def test_a_model_name_that_is_no_label_value_is_refused_before_the_create(model_name):
    with KubeApiDouble() as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        with pytest.raises(ServingError, match="^model_name: not a Kubernetes label value") as err:
            rollout.deploy(
                isvcs, name=NAME, model_name=model_name, version="1", storage_uri=V1, timeout_s=5
            )
        assert repr(model_name) in str(err.value) and "\n" not in str(err.value)
        assert not [c for c in kube.calls if c[0] in ("POST", "PATCH")]


@pytest.mark.parametrize("model_name", ["credit-default", "credit_default.v2", "Credit"])
def test_label_safe_model_names_are_written(model_name):
    body = specs.inference_service(
        NAME, namespace=NS, model_name=model_name, version="12", storage_uri=V1
    )
    assert body["metadata"]["labels"][specs.MODEL_LABEL] == model_name
