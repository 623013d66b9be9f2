"""The cluster's default deployment mode, read as KServe reads it (review of the r54 cluster work).

* Go's encoding/json (KServe v0.20.0 ``pkg/apis/serving/v1beta1/configmap.go`` ``NewDeployConfig``:
  ``json.Unmarshal`` into ``DeployConfig``, tag ``json:"defaultDeploymentMode"``) matches a key to a
  field case-insensitively, each matching key setting it in turn (go1.22 ``encoding/json/decode.go``
  ``object``, ``fold.go``): ``{"DefaultDeploymentMode": "Knative"}`` is Knative to KServe; ctloop
  read no mode there.
* Only a 404 in ``kserve`` may move the read on to ``kubeflow``: a 403 or a 500 there read a stale
  copy in ``kubeflow`` and drove the service by it.
* The refusal of a service of unknown mode named no raw annotation it ignored (it said "no ...
  annotation"), said "not readable" of a ConfigMap it had read, and named no way to grant the read;
  ``ctloop rollout status`` labelled it NOT KNATIVE and told the user to run ``ctloop rollout status``.
* KubeApiDouble (a double of the Kubernetes API) reconciled services under a ConfigMap
  NewDeployConfig refuses; KServe's ``controller.go`` ``Reconcile`` returns "fails to create
  DeployConfig" before anything.
"""

from __future__ import annotations

import json

import pytest
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import ReadTimeoutError

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices, read_kserve_default
from tests.doubles.kube_api import KSERVE_CONFIG_PATH
from tests.helpers import run_main
from tests.serving.test_rollout_components import ISVC, NS, kube  # noqa: F401


def _config_map(namespace: str, data: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": specs.KSERVE_CONFIG, "namespace": namespace},
        "data": data,
    }


def _deploy(mode: str) -> dict:
    return {specs.DEPLOY_CONFIG_KEY: json.dumps({"defaultDeploymentMode": mode})}


def _not_reconciled(kube, annotation: str | None = None) -> dict:  # noqa: F811
    body = specs.inference_service(
        ISVC, namespace=NS, model_name="credit", version="1", storage_uri="s3://b/v1"
    )
    body["metadata"]["annotations"].pop(specs.MODE_ANNOTATION)
    if annotation is not None:
        body["metadata"]["annotations"][specs.MODE_ANNOTATION] = annotation
    kube.create_isvc(NS, body)
    kube.objects[(NS, ISVC)].pop("status", None)
    return kube.objects[(NS, ISVC)]


@pytest.mark.parametrize(
    ("deploy", "mode"),
    [
        ('{"DefaultDeploymentMode": "Knative"}', "Knative"),
        ('{"DEFAULTDEPLOYMENTMODE": "RawDeployment"}', "Standard"),
        # each matching key sets the field in turn: the last one wins
        ('{"defaultDeploymentMode": "Knative", "defaultdeploymentmode": "Standard"}', "Standard"),
        (
            '{"defaultDeploymentMode": "Standard", "x": 1, "DefaultDeploymentMode": null}',
            "Standard",
        ),
        ('{"defaultDeploymentMode": 5}', ""),  # an UnmarshalTypeError
        ('["Knative"]', ""),
    ],
)
def test_keys_match_case_insensitively_as_go_reads_them(deploy, mode):
    assert specs.default_deployment_mode({"deploy": deploy}) == mode


def test_only_a_404_moves_the_read_to_kubeflow(kube):  # noqa: F811
    kube.add(_config_map("kubeflow", _deploy("Knative")))  # a stale copy
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    assert isvcs.kserve_default_mode() == "Knative"  # kserve has none: 404, then kubeflow's
    kube.add(_config_map("kserve", _deploy("Standard")))
    kube.forbid("/api/v1/namespaces/kserve/configmaps")
    found = isvcs.kserve_default()
    assert (found.mode, found.forbidden) == ("", True)  # was: Knative, kubeflow's stale copy


class _CoreV1:
    """A double of CoreV1Api's read_namespaced_config_map: ``kserve`` fails with ``error``,
    ``kubeflow`` answers a Knative default."""

    def __init__(self, error: Exception) -> None:
        self.error, self.read = error, []

    def read_namespaced_config_map(self, name, namespace, **_kw):
        self.read.append(namespace)
        if namespace == "kserve":
            raise self.error
        from kubernetes.client import V1ConfigMap

        return V1ConfigMap(data=_deploy("Knative"))


@pytest.mark.parametrize(
    "error",
    [
        ApiException(status=500, reason="Internal Server Error"),
        ApiException(status=504, reason="Gateway Timeout"),
        ReadTimeoutError(None, "/api/v1/namespaces/kserve/configmaps", "read timed out"),
    ],
)
def test_a_server_error_or_timeout_in_kserve_is_unknown(error):
    core = _CoreV1(error)
    assert read_kserve_default(core)[:2] == ("", "")
    assert core.read == ["kserve"]  # was: kserve, then kubeflow's copy read as the default
    assert read_kserve_default(_CoreV1(ApiException(status=404)))[:2] == ("Knative", "")


def test_an_ignored_annotation_is_named_and_the_reader_too(kube):  # noqa: F811
    kube.forbid("/api/v1/namespaces/kserve/configmaps")
    obj = _not_reconciled(kube, annotation="knative")
    with pytest.raises(ServingError) as caught:
        rollout._check_mode(InferenceServices(NS, api_client=kube.api_client()), obj)
    message = str(caught.value)
    assert f"its {specs.MODE_ANNOTATION} annotation 'knative' names no mode KServe knows" in message
    assert f"no {specs.MODE_ANNOTATION} annotation" not in message
    assert (
        "(ConfigMap inferenceservice-config in kserve or kubeflow not readable; "
        "kubectl apply -k manifests/extras/kserve-config-reader lets the runner get it)"
    ) in message


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({}, "kserve/inferenceservice-config has no key 'deploy'"),
        (
            _deploy("bogus"),
            "kserve/inferenceservice-config key 'deploy' names defaultDeploymentMode 'bogus', "
            "which KServe v0.20.0 refuses",
        ),
    ],
)
def test_a_config_map_read_but_naming_no_mode_is_said_so(kube, data, why):  # noqa: F811
    obj = _not_reconciled(kube)
    kube.add(_config_map("kserve", data))
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with pytest.raises(ServingError) as caught:
        rollout._check_mode(isvcs, obj)
    message = str(caught.value)
    assert f"the cluster's default is unknown (ConfigMap {why}" in message, message
    # was: "not readable", and "wait until KServe has reconciled it", which never comes true
    assert "not readable" not in message and "wait until" not in message
    assert "status.deploymentMode will not come" in message


def test_status_says_mode_unknown(kube, capsys):  # noqa: F811
    kube.forbid("/api/v1/namespaces/kserve/configmaps")
    _not_reconciled(kube)
    code, out, err = run_main(["rollout", "status", "--isvc", ISVC, "--namespace", NS], capsys, 20)
    assert code == 0 and err == "", err
    note = next(line for line in out.splitlines() if line.startswith("  MODE UNKNOWN: "))
    assert "NOT KNATIVE" not in out
    assert "`ctloop rollout status`" not in note  # the command being run
    assert note.endswith(
        "ctloop's rollout refuses it until its mode is known (KServe reports no "
        "revisions and no traffic[] but in Knative mode)"
    )


def test_the_double_reconciles_nothing_under_a_refused_config(kube):  # noqa: F811
    assert kube.add(_config_map("kserve", _deploy("bogus"))) == KSERVE_CONFIG_PATH
    body = specs.inference_service(
        ISVC, namespace=NS, model_name="credit", version="1", storage_uri="s3://b/v1"
    )
    kube.create_isvc(NS, body)
    assert "status" not in kube.objects[(NS, ISVC)]  # was: reconciled, revision 00001 ready
