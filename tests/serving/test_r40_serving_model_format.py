"""An InferenceService whose predictor serves another model format (``modelFormat: xgboost``,
made by hand or by another tool) given a ctloop model: deploy and rollback wrote the scikit-learn
model directory into it. KServe picks the runtime by the exact format label (v0.20.0
``pkg/apis/serving/v1beta1/predictor_model.go`` ``RuntimeSupportsModel``: ``mt:<name>``), so the
xgboost runtime got a ``model.joblib`` it cannot load; the canary failed, the deploy's rollback
wrote the champion's directory there too, and the spec was left naming a model its runtime does
not serve. Both are now refused before anything is written."""

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit-default"
XGB = "gs://models/xgb/booster"
V2 = "gs://models/run2/artifacts/model-joblib"


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=1) as double:
        double.create_isvc(NS, {
            "apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
            "metadata": {"name": NAME, "annotations": {"serving.kserve.io/deploymentMode": "Knative"}},
            "spec": {"predictor": {"model": {"modelFormat": {"name": "xgboost"}, "storageUri": XGB}}}})
        yield double


@pytest.fixture
def isvcs(kube):
    return InferenceServices(NS, api_client=kube.api_client())


@pytest.mark.parametrize("step", ["deploy", "rollback"])
def test_a_predictor_of_another_model_format_is_refused_writing_nothing(isvcs, kube, step):
    isvcs.get(NAME)
    before = kube.objects[(NS, NAME)]["spec"]
    with pytest.raises(ServingError, match="modelFormat xgboost") as err:
        if step == "deploy":
            rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5,
                           timeout_s=5)
        else:
            rollout.rollback(isvcs, NAME, version="2", storage_uri=V2, timeout_s=5)
    assert "sklearn" in str(err.value) and "\n" not in str(err.value)
    assert kube.objects[(NS, NAME)]["spec"] == before


def test_a_sklearn_predictor_is_driven(isvcs, kube):
    obj = kube.objects[(NS, NAME)]
    obj["spec"]["predictor"]["model"]["modelFormat"] = {"name": "sklearn", "version": "1"}
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5,
                           timeout_s=5)
    assert state.action == "canary"


def test_a_model_in_the_storage_form_is_refused_naming_it(isvcs, kube):
    """``model.storage: {key, path}`` (KServe v0.20.0 ``ModelStorageSpec``) instead of a storageUri:
    the refusal said the predictor had none."""
    obj = kube.objects[(NS, NAME)]
    obj["spec"]["predictor"]["model"] = {"modelFormat": {"name": "sklearn"},
                                         "storage": {"key": "gcs", "path": "models/credit/1"}}
    with pytest.raises(ServingError, match=r"its model has storage \(key, path\) instead"):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5,
                       timeout_s=5)
