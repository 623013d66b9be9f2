"""``promote`` (``ctloop rollout promote``, ``promote_model``) of an InferenceService in Standard
(formerly RawDeployment) mode: deploy, set_traffic and rollback refuse it at once
(``isvc.check_deployment_mode``), promote did not. KServe v0.20.0 reports no Knative ``traffic[]``
there (``canaryTrafficPercent`` is ignored; ``pkg/constants/constants.go`` ``ParseDeploymentMode``
maps ``RawDeployment`` to ``Standard``), so promote removed a field that did nothing and then
waited out its timeout for a split that never comes. It is now refused before anything is written."""

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit-default"
V1 = "gs://models/run1/artifacts/model-joblib"


@pytest.mark.parametrize("mode", ["RawDeployment", "Standard"])
def test_promote_of_a_standard_mode_service_is_refused_writing_nothing(mode):
    with KubeApiDouble(ready_after_reads=1) as kube:
        kube.create_isvc(NS, {
            "apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
            "metadata": {"name": NAME, "annotations": {"serving.kserve.io/deploymentMode": mode}},
            "spec": {"predictor": {"canaryTrafficPercent": 10,
                                   "model": {"modelFormat": {"name": "sklearn"}, "storageUri": V1}}}})
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        with pytest.raises(ServingError, match=r"runs in Standard .*mode, where KServe ignores canaryTrafficPercent"):
            rollout.promote(isvcs, NAME, timeout_s=5)
        assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 10
