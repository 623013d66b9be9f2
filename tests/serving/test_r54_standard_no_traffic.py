"""A Standard-mode InferenceService has no ``traffic[]``: the double gave it one, and
``ctloop rollout status`` showed its empty split with nothing saying why.

KServe v0.20.0 reconciles a Standard predictor as a Deployment
(``pkg/controller/v1beta1/inferenceservice/components/predictor.go``: ``PropagateRawStatus``),
and ``pkg/apis/serving/v1beta1/inference_service_status.go`` ``PropagateRawStatus`` writes its
``PredictorReady`` condition, its ``url`` once ready and the Deployment's ``observedGeneration``
— no ``latestCreatedRevision``, no ``latestReadyRevision``, no ``traffic[]`` (``PropagateStatus``
copies those from a Knative Service only). tests/doubles/kube_api.py's Kubernetes API double (a
double of the Kubernetes API) now does the same, and every ctloop reader of ``traffic[]`` copes
with its absence: status says why in a NOT KNATIVE note, the rollout refuses in one line, writing
nothing."""

from __future__ import annotations

import json

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.helpers import run_main
from tests.serving.test_rollout_components import ISVC, NS, kube  # noqa: F401

K8S = ["--isvc", ISVC, "--namespace", NS]


@pytest.fixture
def standard(kube):  # noqa: F811
    body = specs.inference_service(
        ISVC, namespace=NS, model_name="credit", version="1", storage_uri="s3://b/v1"
    )
    # the legacy name: the webhook writes Standard (inference_service_defaults.go DefaultInferenceService)
    body["metadata"]["annotations"][specs.MODE_ANNOTATION] = "RawDeployment"
    kube.create_isvc(NS, body)
    InferenceServices(NS, api_client=kube.api_client()).get(
        ISVC
    )  # the Deployment becomes available
    return kube


def writes(kube) -> list:  # noqa: F811
    """The calls that wrote (also tests/serving/test_r54_mode_cluster_default.py)."""
    return [c for c in kube.calls if c[0] != "GET"]


def deploy_v2(isvcs: InferenceServices) -> None:
    """A 10 % canary of version 2 over version 1 (also tests/serving/test_r54_mode_cluster_default.py)."""
    rollout.deploy(
        isvcs,
        name=ISVC,
        model_name="credit",
        version="2",
        storage_uri="s3://b/v2",
        percent=10,
        timeout_s=2,
    )


def test_the_double_reports_what_kserve_reports_for_standard(standard):
    status = standard.objects[(NS, ISVC)]["status"]
    assert status["deploymentMode"] == "Standard"
    assert status["components"]["predictor"] == {
        "url": f"http://{ISVC}-predictor.{NS}.svc.cluster.local"
    }
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "PredictorReady": "True",
        "Ready": "True",
    }


def test_status_says_why_there_is_no_traffic(standard, capsys):
    code, out, err = run_main(["rollout", "status", *K8S], capsys, 20)
    assert code == 0 and err == "", err
    note = next(line for line in out.splitlines() if line.startswith("  NOT KNATIVE: "))
    assert "runs in Standard mode, where KServe ignores canaryTrafficPercent" in note
    assert note.endswith(
        "KServe reports no revisions and no traffic[] but in Knative mode, and ctloop's rollout refuses it"
    )
    code, out, _ = run_main(["rollout", "status", *K8S, "--json"], capsys, 20)
    doc = json.loads(out)
    assert code == 0 and doc["traffic"] == {} and doc["mode"] == "Standard"
    assert [n["kind"] for n in doc["notes"]] == ["NOT KNATIVE"]


@pytest.mark.parametrize(
    "argv",
    [["canary", *K8S, "--percent", "10"], ["canary", *K8S, "--percent", "0"], ["promote", *K8S]],
)
def test_rollout_refuses_in_one_line_nothing_written(standard, capsys, argv):
    code, out, err = run_main(["rollout", *argv], capsys, 20)
    assert code == 2 and err.count("\n") == 1 and "runs in Standard mode" in err, err
    assert writes(standard) == []


def test_deploy_and_rollback_refuse_nothing_written(standard):
    isvcs = InferenceServices(NS, api_client=standard.api_client())
    with pytest.raises(ServingError, match="runs in Standard mode"):
        deploy_v2(isvcs)
    with pytest.raises(ServingError, match="runs in Standard mode"):
        rollout.rollback(
            isvcs,
            ISVC,
            version="1",
            storage_uri="s3://b/v1",
            failed_storage_uri="s3://b/v2",
            timeout_s=2,
        )
    assert writes(standard) == []
