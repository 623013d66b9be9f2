"""config-domain's cluster-local domain follows the cluster's domain, not ``cluster.local``.

Knative makes a Route cluster-local when config-domain gives it ``"svc." +
network.GetClusterDomainName()`` (knative-v1.21.1 ``pkg/reconciler/route/visibility/visibility.go``
``routeVisibility``; ``pkg/reconciler/route/config/domain.go`` ``DefaultDomain``), the cluster
domain the controller reads from its /etc/resolv.conf search line (knative.dev/pkg
``network/domain.go`` ``getClusterDomainName``: its first ``svc.`` entry). ctloop compared with
``svc.cluster.local``: on a cluster with ``--cluster-domain corp.internal`` a first deploy whose
Route a ``svc.corp.internal`` selector makes cluster-local was refused over a host Knative never
renders, and a ``svc.cluster.local`` selector — an external domain of that name there — passed a
host Knative refuses. The cluster domain is now read from the predictor's Knative address
(``status.components.predictor.address.url``) or, before there is one, from ctloop's own
resolv.conf (a pipeline pod of the same cluster). Through tests/doubles/kube_api.py."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, write_kubeconfig

NS = "production-models"
V1 = "gs://models/v1"
NAME = "credit-default-risk-scorecard"  # over 63 with "-production-models" in the label
NAMESPACED = "{{.Name}}-{{.Namespace}}.{{.Domain}}"
# what the kubelet writes into a pod's /etc/resolv.conf with --cluster-domain corp.internal
RESOLV = f"search {NS}.svc.corp.internal svc.corp.internal corp.internal\nnameserver 10.96.0.10\noptions ndots:5\n"
ON_ISVC = f"selector:\n  serving.kserve.io/inferenceservice: {NAME}\n"


def _configmap(name: str, data: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "knative-serving"},
        "data": data,
    }


@pytest.fixture
def cluster(tmp_path, monkeypatch):
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(RESOLV)
    monkeypatch.setattr(specs, "RESOLV_CONF", str(resolv))
    monkeypatch.setattr(InferenceServices, "in_cluster", True)  # a pipeline pod's: resolv.conf read
    with KubeApiDouble(ready_after_reads=1) as double:
        double.add(_configmap("config-network", {"domain-template": NAMESPACED}))
        yield double


def _deploy(cluster):
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    return rollout.deploy(
        isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5
    )


def test_a_selector_on_the_clusters_own_local_domain_is_cluster_local(cluster):
    cluster.add(_configmap("config-domain", {"example.com": "", "svc.corp.internal": ON_ISVC}))
    assert _deploy(cluster).action == "created"


def test_svc_cluster_local_is_an_external_domain_on_another_cluster_domain(cluster):
    cluster.add(_configmap("config-domain", {"example.com": "", "svc.cluster.local": ON_ISVC}))
    with pytest.raises(ServingError, match="over the 63 of a DNS label"):
        _deploy(cluster)


def test_the_knative_address_names_the_cluster_domain(tmp_path, monkeypatch):
    # ctloop outside the cluster (no svc. search entry): the predictor's address says it
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("search lan\nnameserver 192.168.1.1\n")
    monkeypatch.setattr(specs, "RESOLV_CONF", str(resolv))
    obj = {
        "status": {
            "components": {
                "predictor": {"address": {"url": f"http://{NAME}-predictor.{NS}.svc.corp.internal"}}
            }
        }
    }
    assert specs.knative_cluster_domain(obj) == "corp.internal"
    assert specs.knative_cluster_domain({}) == "cluster.local"
    resolv.write_text(RESOLV)
    assert specs.knative_cluster_domain({}, in_cluster=True) == "corp.internal"


def test_rollout_status_from_outside_reads_the_address(tmp_path, monkeypatch, capsys):
    from ctloop.cli import main

    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 192.168.1.1\n")
    monkeypatch.setattr(specs, "RESOLV_CONF", str(resolv))
    with KubeApiDouble(ready_after_reads=1) as cluster:
        cluster.add(_configmap("config-network", {"domain-template": NAMESPACED}))
        cluster.add(_configmap("config-domain", {"example.com": "", "svc.corp.internal": ON_ISVC}))
        monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", cluster.url))
        body = specs.inference_service(
            NAME, namespace=NS, model_name="credit", version="1", storage_uri=V1
        )
        cluster.create_isvc(NS, body)
        InferenceServices(NS, api_client=cluster.api_client()).get(NAME)  # its revision ready
        predictor = cluster.objects[(NS, NAME)]["status"]["components"]["predictor"]
        predictor["address"] = {"url": f"http://{NAME}-predictor.{NS}.svc.corp.internal"}
        assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
        assert "TAG HOST" not in capsys.readouterr().out
