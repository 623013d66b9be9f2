"""Where the rollout reads KServe's ConfigMap ``inferenceservice-config``: one setting.

KServe v0.20.0 reads the ConfigMap in its own namespace: ``pkg/constants/constants.go``
``KServeNamespace = GetEnvOrDefault("POD_NAMESPACE", "kserve")`` (the controller's and the
webhook's pod namespace, by the downward API), ``InferenceServiceConfigMapName``; OpenDataHub
installs it in ``opendatahub``, Red Hat OpenShift AI in ``redhat-ods-applications``. ctloop read
only ``kserve``, then ``kubeflow`` (``isvc.KSERVE_NAMESPACES``): on such a cluster a service naming no
deployment mode was refused as of unknown mode, and the doctor's RBAC line asked for a read where
nothing is. Now ``rollout.kserve_namespace`` (ctloop.yaml), else ``CTLOOP_KSERVE_NAMESPACE``, names
it; the reader, the rollout's refusal, the doctor and its RBAC line all take it from
``isvc.kserve_config_namespaces``. The cluster is tests/doubles/kube_api.py's KubeApiDouble (a double
of the Kubernetes API), whose KServe runs in ``kserve_namespace``.
"""

from __future__ import annotations

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import ConfigError, ServingError
from ctloop.ops.doctor import Doctor, DoctorOptions, Target, options_from_spec
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices, read_kserve_default
from tests.doubles.kube_api import KubeApiDouble
from tests.helpers import run_main
from tests.ops.test_doctor import configmap, crd, deployment

NS, NAME, ODH = "ml", "credit", "redhat-ods-applications"


@pytest.fixture
def kube(tmp_path, monkeypatch):
    from tests.doubles.kube_api import write_kubeconfig

    monkeypatch.delenv(specs.KSERVE_NAMESPACE_ENV, raising=False)
    with KubeApiDouble(ready_after_reads=1) as double:
        monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", double.url))
        double.kserve_namespace = ODH
        double.add(crd())
        double.add(
            deployment(
                ODH,
                "kserve-controller-manager",
                {"app.kubernetes.io/version": "v0.20.0"},
                [("manager", "kserve/kserve-controller:v0.20.0")],
            )
        )
        double.add(
            configmap(ODH, specs.KSERVE_CONFIG, {"deploy": '{"defaultDeploymentMode": "Knative"}'})
        )
        body = specs.inference_service(
            NAME, namespace=NS, model_name="credit", version="1", storage_uri="s3://b/v1"
        )
        body["metadata"]["annotations"].pop(specs.MODE_ANNOTATION)  # not created by ctloop
        double.create_isvc(NS, body)
        double.objects[(NS, NAME)].pop("status", None)  # not reconciled yet
        yield double


def _config_reads(kube) -> list[str]:
    return [
        path for method, path, _ in kube.calls if method == "GET" and specs.KSERVE_CONFIG in path
    ]


def test_the_setting_names_where_the_default_is_read(kube):
    isvcs = InferenceServices(NS, api_client=kube.api_client(), kserve_namespace=ODH)
    found = isvcs.kserve_default()
    assert (found.mode, found.namespace) == ("Knative", ODH)
    rollout._check_mode(
        isvcs, kube.objects[(NS, NAME)]
    )  # driven: KServe's default there is Knative
    assert all(f"/namespaces/{ODH}/" in path for path in _config_reads(kube))


def test_without_it_the_refusal_names_where_it_looked(kube):
    with pytest.raises(ServingError, match=r"not read: 404 Not Found in kserve and kubeflow"):
        rollout._check_mode(
            InferenceServices(NS, api_client=kube.api_client()), kube.objects[(NS, NAME)]
        )


def test_the_environment_variable_and_a_bad_value(kube, monkeypatch, capsys):
    monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, ODH)
    assert InferenceServices(NS, api_client=kube.api_client()).kserve_default().mode == "Knative"
    kube.forbid(f"/api/v1/namespaces/{ODH}/configmaps")
    with pytest.raises(
        ServingError, match=rf"ConfigMap inferenceservice-config in {ODH} not readable; "
    ):
        rollout._check_mode(
            InferenceServices(NS, api_client=kube.api_client()), kube.objects[(NS, NAME)]
        )
    monkeypatch.setenv(specs.KSERVE_NAMESPACE_ENV, "Red_Hat")
    with pytest.raises(
        ConfigError,
        match=r"^CTLOOP_KSERVE_NAMESPACE: must be a Kubernetes namespace .*got 'Red_Hat'$",
    ):
        specs.kserve_config_namespaces()
    calls = len(kube.calls)
    code, _, err = run_main(["rollout", "promote", "--isvc", NAME, "--namespace", NS], capsys, 30)
    assert (
        code == 2 and err.count("\n") == 1 and "CTLOOP_KSERVE_NAMESPACE" in err and "Red_Hat" in err
    ), err
    assert [c for c in kube.calls[calls:] if c[0] != "GET"] == []


def test_the_config_field():
    assert RolloutConfig.from_dict({"kserve_namespace": ODH}).kserve_namespace == ODH
    assert RolloutConfig.default_of("kserve_namespace") == ""
    with pytest.raises(
        ConfigError, match=r"rollout\.kserve_namespace: must be a Kubernetes namespace"
    ):
        RolloutConfig.from_dict({"kserve_namespace": "Red_Hat"})


def test_the_doctor_reads_where_the_rollout_reads(kube):
    class _Spec:  # the parts of ctloop.ops.spec.Spec options_from_spec reads
        class kfp:  # noqa: N801
            host = namespace = install_namespace = ""

        class platform:  # noqa: N801
            service_account = ""

        class models:  # noqa: N801
            pass

    model = type(
        "M",
        (),
        {
            "name": "credit",
            "tracking_uri": "",
            "sections": {
                "rollout": RolloutConfig(inference_service=NAME, namespace=NS, kserve_namespace=ODH)
            },
        },
    )
    _Spec.models = [model]
    opts = options_from_spec(_Spec)  # the controller is looked for there too
    assert opts.kserve_config_namespace == ODH
    doctor = Doctor(opts, kube=kube.api_client())
    line = doctor.check_kserve().detail
    assert f"controller {ODH}/kserve-controller-manager; default deployment mode Knative" in line, (
        line
    )
    assert doctor.check_isvc(Target(NAME, NS)).status == "ok"
    plain = Doctor(
        DoctorOptions(targets=[Target(NAME, NS)], kserve_namespaces=(ODH,)), kube=kube.api_client()
    )
    line = plain.check_kserve()  # found there: the rollout should read there too
    assert "unknown: no inferenceservice-config readable in kserve or kubeflow" in line.detail
    assert line.status == "warn" and line.fix.startswith(
        f"set rollout.kserve_namespace / CTLOOP_KSERVE_NAMESPACE={ODH}: "
    ), line


def test_the_reader_clusterrole_grants_it_there_rendered_by_kubectl_kustomize():
    # manifests/extras/kserve-config-reader is a ClusterRole bound cluster-wide (resourceNames only):
    # rendered with `kubectl kustomize`, it covers redhat-ods-applications with no patch
    from tests.manifests.support import MANIFESTS, find, kustomize, render
    from tests.manifests.test_r54_kserve_config_reader import _install

    runner = find(render("overlays/prod"), "ServiceAccount", "ctloop-pipeline-runner")
    subject = {
        "kind": "ServiceAccount",
        "name": runner["metadata"]["name"],
        "namespace": runner["metadata"]["namespace"],
    }
    server = _install(
        kustomize(MANIFESTS / "extras" / "kserve-config-reader"), subject, ODH, "Knative"
    )
    found = read_kserve_default(server, specs.kserve_config_namespaces(ODH))
    assert server.answers == [(ODH, 200)] and (found.mode, found.namespace) == ("Knative", ODH)
    server = _install([], subject, ODH, "Knative")  # without it: 403 there, said so
    assert read_kserve_default(server, (ODH,)).forbidden
