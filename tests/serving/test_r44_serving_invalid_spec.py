"""A spec KServe cannot serve ends the wait at once, saying why, instead of a timeout that names
nothing but ``latestCreated=None``.

When the predictor's ServingRuntime is missing from the namespace (``ctloop-sklearn`` not applied:
a common setup slip), disabled, or does not support the model's format or protocol, KServe
v0.20.0's predictor reconciler records ``status.modelStatus.transitionStatus: InvalidSpec`` with
``lastFailureInfo`` (reason ``RuntimeNotRecognized`` "Waiting for runtime to become available",
``RuntimeDisabled``, ``NoSupportingRuntime``) and creates no Knative Service
(``pkg/controller/v1beta1/inferenceservice/components/predictor.go`` ``reconcileModel``;
``controller.go`` writes the status before it returns the error). ctloop's first deployment
waited its whole timeout (300 s by default) for a revision that never came and then said
``first revision ready with 100 % traffic not reached within 300 s; latestCreated=None,
latestReady=None, traffic={}``. Now the wait ends at the first status that says so, naming the
reason and, for a missing runtime, the ServingRuntime and the manifest that provides it.

Through KubeApiDouble (tests/doubles/kube_api.py), whose controller here knows only the
ServingRuntimes of ``RUNTIMES`` and reports any other as KServe does."""

from __future__ import annotations

import time

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit"
V1 = "gs://models/v1"


class RuntimesCluster(KubeApiDouble):
    """Only the ServingRuntimes in ``runtimes`` exist; a predictor naming another gets KServe's
    InvalidSpec model status and no revision."""

    runtimes = {"kserve-sklearnserver"}

    def _reconcile_once(self, key):
        obj = self.objects[key]
        runtime = obj["spec"]["predictor"]["model"].get("runtime")
        if runtime in self.runtimes:
            return super()._reconcile_once(key)
        obj["status"] = {
            "deploymentMode": specs.KNATIVE,
            "conditions": [{"type": "Ready", "status": "Unknown"}],
            "modelStatus": {
                "transitionStatus": "InvalidSpec",
                "modelRevisionStates": {"targetModelState": "FailedToLoad"},
                "lastFailureInfo": {
                    "reason": "RuntimeNotRecognized",
                    "message": "Waiting for runtime to become available",
                },
            },
        }


@pytest.fixture
def cluster():
    with RuntimesCluster(ready_after_reads=1) as double:
        yield double


def test_a_first_deployment_without_its_serving_runtime_ends_at_once(cluster):
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    started = time.monotonic()
    with pytest.raises(ServingError) as err:
        rollout.deploy(
            isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5
        )
    assert time.monotonic() - started < 2, "waited out the timeout"
    message = str(err.value)
    assert "InvalidSpec" in message and "RuntimeNotRecognized" in message, message
    assert (
        "ServingRuntime 'ctloop-sklearn' in ml" in message and "servingruntime.yaml" in message
    ), message
    assert "\n" not in message


def test_a_served_runtime_is_waited_for_as_before(cluster):
    cluster.runtimes = {specs.RUNTIME}
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    state = rollout.deploy(
        isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5
    )
    assert state.action == "created"


def test_rollout_status_says_why_and_shows_conditions_reported_false(
    cluster, tmp_path, monkeypatch, capsys
):
    """`ctloop rollout status` showed ``latestCreated None`` and no traffic, nothing about why; it
    now prints KServe's InvalidSpec reason and every condition KServe reports False."""
    from ctloop.cli import main
    from tests.doubles.kube_api import write_kubeconfig

    monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", cluster.url))
    body = specs.inference_service(
        NAME, namespace=NS, model_name="credit", version="1", storage_uri=V1
    )
    cluster.create_isvc(NS, body)
    cluster.objects[(NS, NAME)]["status"]["conditions"] += [
        {
            "type": "IngressReady",
            "status": "False",
            "reason": "IngressNotConfigured",
            "message": "Ingress has not yet been reconciled.",
        },
        {"type": "Ready", "status": "False", "reason": "IngressNotConfigured"},
    ]
    assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
    out = capsys.readouterr().out
    assert "INVALID SPEC: RuntimeNotRecognized: Waiting for runtime to become available" in out, out
    assert (
        "IngressReady False: IngressNotConfigured: Ingress has not yet been reconciled." in out
    ), out
    assert "  Ready False: IngressNotConfigured\n" in out, out
