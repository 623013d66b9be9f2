"""KServe's webhooks on an UPDATE of a Knative service that names no deployment-mode annotation.

KServe v0.20.0 registers its defaulter for CREATE and UPDATE (``config/webhook/manifests.yaml``
``inferenceservice.kserve-webhook-server.defaulter``, operations CREATE, UPDATE).
``pkg/apis/serving/v1beta1/inference_service_defaults.go`` ``DefaultInferenceService`` writes the
annotation ``serving.kserve.io/deploymentMode`` with the cluster's ``defaultDeploymentMode`` into any
service without one when that default is Standard or ModelMesh — on every update too. The validator
(``inferenceservice.kserve-webhook-server.validator``, CREATE and UPDATE) then compares it with the
mode the controller recorded: ``inference_service_validation.go`` ``validateDeploymentMode`` —
"update rejected: deploymentMode cannot be changed from 'Knative' to 'Standard'". So a Knative
service created without the annotation while the default was Knative (a Helm chart's default, a
``kubectl apply`` of its own) can no longer be updated once the default is Standard: not ctloop's
canary steps, not its rollback. Nothing ctloop writes is silently changed (the write is refused);
but ctloop sent the patch and reported KServe's refusal as an HTTP 403, mid-rollback, naming a mode
change nobody asked for. Now it refuses before writing, in one line, with the annotation to add.

The Kubernetes API is tests/doubles/kube_api.py's KubeApiDouble (a double of the Kubernetes API),
which ran the defaulter on a PATCH with the Knative default whatever the ConfigMap said, and had no
validator: it now runs both as on a CREATE. A controller-runtime (v0.22.5, KServe's replace)
``admission.Denied`` answers 403, which the API server words as ``admission webhook "NAME" denied
the request: MESSAGE`` (k8s.io/apiserver ``pkg/admission/plugin/webhook/errors/statuserror.go``
``ToStatusErr``).
"""

from __future__ import annotations

import json

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.helpers import run_main
from tests.serving.test_r54_standard_no_traffic import deploy_v2, writes
from tests.serving.test_rollout_components import ISVC, NS, kube  # noqa: F401


def _config_map(mode: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": specs.KSERVE_CONFIG, "namespace": "kserve"},
        "data": {specs.DEPLOY_CONFIG_KEY: json.dumps({"defaultDeploymentMode": mode})},
    }


@pytest.fixture
def unannotated(kube):  # noqa: F811
    """A Knative canary of v2 over v1 whose service names no mode (created so while the default
    was Knative); the cluster's default is Standard now."""
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    kube.create_isvc(
        NS,
        specs.inference_service(
            ISVC, namespace=NS, model_name="credit", version="1", storage_uri="s3://b/v1"
        ),
    )
    isvcs.get(ISVC)
    deploy_v2(isvcs)
    kube.objects[(NS, ISVC)]["metadata"]["annotations"].pop(specs.MODE_ANNOTATION)
    assert kube.objects[(NS, ISVC)]["status"]["deploymentMode"] == "Knative"
    kube.add(_config_map("Standard"))
    kube.calls.clear()
    return isvcs


def test_the_double_runs_kserves_webhooks_on_an_update(kube, unannotated):  # noqa: F811
    api = client.CustomObjectsApi(kube.api_client())
    before = json.dumps(kube.objects[(NS, ISVC)], sort_keys=True)
    with pytest.raises(ApiException) as caught:
        api.patch_namespaced_custom_object(
            "serving.kserve.io",
            "v1beta1",
            NS,
            "inferenceservices",
            ISVC,
            {"spec": {"predictor": {"canaryTrafficPercent": 50}}},
        )
    assert caught.value.status == 403
    assert json.loads(caught.value.body)["message"] == (
        'admission webhook "inferenceservice.kserve-webhook-server.validator" denied the request: '
        "update rejected: deploymentMode cannot be changed from 'Knative' to 'Standard'"
    )
    assert json.dumps(kube.objects[(NS, ISVC)], sort_keys=True) == before


def test_ctloop_refuses_before_writing(kube, unannotated, capsys):  # noqa: F811
    line = (
        rf"^InferenceService '{ISVC}' runs in Knative mode but names no serving\.kserve\.io/deploymentMode "
        r"annotation, and the cluster's defaultDeploymentMode is Standard: KServe v0\.20\.0's webhook writes "
        r"Standard into every update of it, which its validator refuses .* nothing written \(kubectl annotate "
        rf"isvc {ISVC} -n {NS} serving\.kserve\.io/deploymentMode=Knative"
    )
    with pytest.raises(ServingError, match=line):
        rollout.set_traffic(unannotated, ISVC, 50, timeout_s=2)
    with pytest.raises(ServingError, match=line):
        rollout.rollback(unannotated, ISVC, version="1", storage_uri="s3://b/v1", timeout_s=2)
    with pytest.raises(ServingError, match=line):
        rollout.promote(unannotated, ISVC, timeout_s=2)
    assert writes(kube) == []
    code, _, err = run_main(
        ["rollout", "canary", "--isvc", ISVC, "--namespace", NS, "--percent", "50"], capsys, 30
    )
    assert (
        code == 2 and err.count("\n") == 1 and "names no serving.kserve.io/deploymentMode" in err
    ), err
    assert writes(kube) == []


def test_annotated_it_is_driven_again(kube, unannotated):  # noqa: F811
    kube.objects[(NS, ISVC)]["metadata"]["annotations"][specs.MODE_ANNOTATION] = "Knative"
    rollout.set_traffic(unannotated, ISVC, 50, timeout_s=5)
    assert (
        kube.traffic(NS, ISVC)[
            kube.objects[(NS, ISVC)]["status"]["components"]["predictor"]["latestReadyRevision"]
        ]
        == 50
    )


def test_a_knative_default_leaves_it_unannotated_and_driven(kube, unannotated):  # noqa: F811
    kube.add(_config_map("Knative"))
    rollout.set_traffic(unannotated, ISVC, 50, timeout_s=5)
    assert specs.MODE_ANNOTATION not in kube.objects[(NS, ISVC)]["metadata"]["annotations"]


def test_an_annotation_naming_another_mode_than_the_status_is_refused(kube, unannotated):  # noqa: F811
    # KServe ignores "knative" when it resolves the mode (GetDeploymentMode), but its validator
    # compares it with the status' "Knative" as it is: every update is refused
    kube.objects[(NS, ISVC)]["metadata"]["annotations"][specs.MODE_ANNOTATION] = "knative"
    with pytest.raises(
        ServingError,
        match=r"its serving\.kserve\.io/deploymentMode annotation is 'knative': "
        r"KServe v0\.20\.0's validator refuses every update of it .* nothing written",
    ):
        rollout.set_traffic(unannotated, ISVC, 50, timeout_s=2)
    assert writes(kube) == []
