"""A service naming no deployment mode was taken for Knative, whatever the cluster's default.

KServe v0.20.0 resolves the mode in ``pkg/controller/v1beta1/inferenceservice/utils/utils.go``
``GetDeploymentMode``: ``status.deploymentMode`` (written at every reconcile), then the
``serving.kserve.io/deploymentMode`` annotation when it names a mode it knows, else the cluster's
``defaultDeploymentMode`` (ConfigMap ``inferenceservice-config``, key ``deploy``;
``pkg/apis/serving/v1beta1/configmap.go`` ``NewDeployConfig``). ``isvc.deployment_mode`` answered
``Knative`` for a service with neither field — one not reconciled yet that ctloop did not create
(ctloop's template always writes the annotation) — so on a Standard-default cluster
``ctloop rollout canary`` wrote a canaryTrafficPercent KServe ignores. Now the rollout reads the
ConfigMap when the runner may, refuses a Standard default, and refuses in one line when the mode
cannot be told. The cluster is tests/doubles/kube_api.py's Kubernetes API double (a double of the
Kubernetes API), whose controller takes its default from that ConfigMap."""

from __future__ import annotations

import json

import pytest

from ctloop.cli import main
from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KSERVE_CONFIG_PATH
from tests.serving.test_r54_standard_no_traffic import deploy_v2, writes
from tests.serving.test_rollout_components import ISVC, NS, kube  # noqa: F401


def _config_map(mode: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": specs.KSERVE_CONFIG, "namespace": "kserve"},
        "data": {specs.DEPLOY_CONFIG_KEY: json.dumps({"defaultDeploymentMode": mode})},
    }


def _not_reconciled(kube):  # noqa: F811
    """An InferenceService someone created without the annotation, not reconciled by KServe yet."""
    body = specs.inference_service(
        ISVC, namespace=NS, model_name="credit", version="1", storage_uri="s3://b/v1"
    )
    body["metadata"]["annotations"].pop(specs.MODE_ANNOTATION)
    kube.create_isvc(NS, body)
    kube.objects[(NS, ISVC)].pop("status")
    return kube.objects[(NS, ISVC)]


def test_a_standard_default_is_refused_nothing_written(kube):  # noqa: F811
    # the legacy name, as KServe maps it
    assert kube.add(_config_map("RawDeployment")) == KSERVE_CONFIG_PATH
    _not_reconciled(kube)
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with pytest.raises(
        ServingError,
        match=r"runs in Standard \(the cluster's default\) mode, where KServe ignores "
        "canaryTrafficPercent",
    ):
        deploy_v2(isvcs)
    # was: v2 written with canaryTrafficPercent, refused only in the wait after it
    assert writes(kube) == []


def test_an_unreadable_default_is_said_to_be_unknown(kube, capsys):  # noqa: F811
    kube.forbid("/api/v1/namespaces/kserve/configmaps")  # the runner's Role has no rule for it
    _not_reconciled(kube)
    with pytest.raises(
        ServingError,
        match=r"names no deployment mode .* the cluster's default is unknown "
        r"\(ConfigMap inferenceservice-config in kserve or kubeflow not readable; "
        r"kubectl apply -k manifests/extras/kserve-config-reader lets the runner get it\)",
    ):
        deploy_v2(InferenceServices(NS, api_client=kube.api_client()))
    assert main(["rollout", "promote", "--isvc", ISVC, "--namespace", NS]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "names no deployment mode" in err, err
    assert writes(kube) == []


@pytest.mark.parametrize(
    ("data", "mode"),
    [
        ({"deploy": '{"defaultDeploymentMode": "Serverless"}'}, "Knative"),
        ({"deploy": '{"defaultDeploymentMode": "Knative"}'}, "Knative"),
        ({"deploy": '{"defaultDeploymentMode": "Standard"}'}, "Standard"),
        # NewDeployConfig refuses a name it does not know: unknown
        ({"deploy": '{"defaultDeploymentMode": "knative"}'}, ""),
        ({"deploy": "not json"}, ""),
        ({}, ""),
        (None, ""),
    ],
)
def test_the_default_is_read_as_kserve_reads_it(data, mode):
    assert specs.default_deployment_mode(data) == mode


def test_a_knative_default_is_driven_and_an_unknown_annotation_is_the_default(kube):  # noqa: F811
    kube.add(_config_map("Knative"))
    obj = _not_reconciled(kube)
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    assert isvcs.kserve_default_mode() == "Knative"
    rollout._check_mode(isvcs, obj)  # driven: KServe will reconcile it in Knative mode
    # GetDeploymentMode ignores an annotation naming no mode it knows: the cluster's default applies
    odd = {
        **obj,
        "metadata": {**obj["metadata"], "annotations": {specs.MODE_ANNOTATION: "knative"}},
    }
    assert specs.deployment_mode(odd, "Standard") == "Standard"
    with pytest.raises(
        ServingError,
        match=r"Standard \(the cluster's default; KServe ignores the annotation "
        r"'knative'\) mode",
    ):
        specs.check_deployment_mode(odd, "Standard")
