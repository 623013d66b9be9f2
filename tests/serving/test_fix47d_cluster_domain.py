"""ctloop reads its own /etc/resolv.conf for the cluster domain only on the pod's credentials.

Knative's controller takes its cluster domain from its ``CLUSTER_DOMAIN``, else the first ``svc.``
entry of its /etc/resolv.conf search line, else ``cluster.local`` (knative.dev/pkg release-1.21
``network/domain.go`` ``getClusterDomainName``, the pkg Knative 1.21.1 builds with). ctloop read
its own resolv.conf whenever the InferenceService had no predictor address yet (every first
deploy) — also on a laptop (``search svc.example.com`` of a corporate network) or in a CI runner
pod of another cluster (``search ns.svc.corp.internal …``), where it says nothing of the cluster
ctloop talks to: a first deploy whose Route a ``svc.cluster.local`` selector makes cluster-local
was refused there, and tests/serving/test_r46_serving_config_domain.py failed on such machines.
Now ``CLUSTER_DOMAIN`` is honoured first, resolv.conf is read only when ctloop runs on the
in-cluster service-account credentials (``kube.load_api_client``), and ``cluster.local`` otherwise.

Through tests/doubles/kube_api.py. No test here reads the machine's /etc/resolv.conf: the fixture
points ``isvc.RESOLV_CONF`` at a CI runner pod's of another cluster."""

from __future__ import annotations

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import kube, rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS = "production-models"
V1 = "gs://models/v1"
NAME = "credit-default-risk-scorecard"  # over 63 with "-production-models" in the label
NAMESPACED = "{{.Name}}-{{.Namespace}}.{{.Domain}}"
# a CI runner pod's, on a cluster with --cluster-domain corp.internal (not the one under test)
RUNNER_RESOLV = (
    "search ci.svc.corp.internal svc.corp.internal corp.internal\nnameserver 10.96.0.10\n"
)
ON_ISVC = f"selector:\n  serving.kserve.io/inferenceservice: {NAME}\n"


@pytest.fixture(autouse=True)
def resolv(tmp_path, monkeypatch):
    path = tmp_path / "resolv.conf"
    path.write_text(RUNNER_RESOLV)
    monkeypatch.setattr(specs, "RESOLV_CONF", str(path))
    monkeypatch.delenv("CLUSTER_DOMAIN", raising=False)  # knative.dev/pkg clusterDomainEnvKey
    return path


def _configmap(name: str, data: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "knative-serving"},
        "data": data,
    }


def _deploy(double):
    isvcs = InferenceServices(NS, api_client=double.api_client())
    return rollout.deploy(
        isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5
    )


def test_a_first_deploy_from_a_runner_of_another_cluster_takes_cluster_local():
    with KubeApiDouble(ready_after_reads=1) as double:
        double.add(_configmap("config-network", {"domain-template": NAMESPACED}))
        double.add(_configmap("config-domain", {"example.com": "", "svc.cluster.local": ON_ISVC}))
        assert _deploy(double).action == "created"


def test_resolv_conf_is_read_only_in_cluster(monkeypatch):
    assert specs.knative_cluster_domain({}) == "cluster.local"
    assert specs.knative_cluster_domain({}, in_cluster=True) == "corp.internal"
    monkeypatch.setenv("CLUSTER_DOMAIN", "edge.example")  # the controller's override, first
    assert specs.knative_cluster_domain({}, in_cluster=True) == "edge.example"
    # and the setting from outside the cluster
    assert specs.knative_cluster_domain({}) == "edge.example"
    addressed = {
        "status": {
            "components": {
                "predictor": {"address": {"url": f"http://{NAME}-predictor.{NS}.svc.other.domain"}}
            }
        }
    }
    assert specs.knative_cluster_domain(addressed) == "other.domain"  # what the controller rendered


def test_route_templates_pass_in_cluster_on():
    body = specs.inference_service(
        NAME, namespace=NS, model_name="credit", version="1", storage_uri=V1
    )
    domains = {"example.com": "", "svc.corp.internal": ON_ISVC}
    assert specs.route_templates(body, (NAMESPACED, ""), domains) == (NAMESPACED, "")
    assert specs.route_templates(body, (NAMESPACED, ""), domains, in_cluster=True) == ("", "")


def test_only_the_service_account_client_is_in_cluster(tmp_path, monkeypatch):
    token, cert = tmp_path / "token", tmp_path / "ca.crt"
    token.write_text("a-token")
    cert.write_text("not read before a request")
    monkeypatch.setattr("kubernetes.config.incluster_config.SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr("kubernetes.config.incluster_config.SERVICE_CERT_FILENAME", str(cert))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.delenv("KUBECONFIG", raising=False)
    from kubernetes import client

    # load_incluster_config sets the client's default Configuration: restored after this test
    monkeypatch.setattr(client.Configuration, "_default", client.Configuration._default)
    assert InferenceServices(NS, api_client=kube.load_api_client()).in_cluster is True
    with KubeApiDouble() as double:
        assert InferenceServices(NS, api_client=double.api_client()).in_cluster is False
