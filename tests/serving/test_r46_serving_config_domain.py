"""A Route that config-domain makes cluster-local is not held to config-network's domain-template.

Knative renders a cluster-local Route's hosts with the default domain template whatever
config-network says (knative-v1.21.1 ``pkg/reconciler/route/domains/domains.go``
``DomainNameFromTemplate``). A Route is cluster-local by its visibility label, which ctloop
checked, but also when config-domain gives it the domain ``svc.cluster.local``
(``pkg/reconciler/route/visibility/visibility.go`` ``routeVisibility``, then ``GetAllDomainsAndTags``
sets the label before rendering): a selector naming that domain, or no domain configured at all —
``NewDomainFromConfigMap`` (``pkg/reconciler/route/config/domain.go``) then defaults every Route to
it, as on a fresh install. ctloop refused such a first deploy over a host Knative never makes
(``… over the 63 of a DNS label …; nothing written``), and ``rollout status`` named a TAG HOST
problem that was not there. Now a first deploy reads config-domain too (when it may) and applies
``LookupDomainForLabels`` to the Route's labels (``isvc.route_labels``).

Through KubeApiDouble (tests/doubles/kube_api.py), which serves the ConfigMaps a test adds."""

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


def _configmap(name: str, data: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "knative-serving"},
        "data": {"_example": "# the release YAML's commented defaults", **data},
    }


@pytest.fixture
def cluster():
    with KubeApiDouble(ready_after_reads=1) as double:
        double.add(_configmap("config-network", {"domain-template": NAMESPACED}))
        yield double


def _deploy(cluster):
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    return rollout.deploy(
        isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5
    )


@pytest.mark.parametrize(
    "domains",
    [
        {},  # no domain configured: every Route gets svc.cluster.local (a fresh install)
        {
            "example.com": "",
            "svc.cluster.local": f"selector:\n  serving.kserve.io/inferenceservice: {NAME}\n",
        },
        {
            "example.com": "",
            "svc.cluster.local": "selector:\n  serving.knative.dev/service: "
            f"{NAME}-predictor\n  component: predictor\n",
        },
    ],
    ids=["no-domain", "selector-on-the-isvc", "selector-on-the-knative-service"],
)
def test_a_route_config_domain_makes_cluster_local_is_created(cluster, domains):
    cluster.add(_configmap("config-domain", domains))
    assert _deploy(cluster).action == "created"


@pytest.mark.parametrize(
    "domains",
    [
        {"example.com": ""},
        {
            "example.com": "",
            "svc.cluster.local": "selector:\n  app: internal\n",
        },  # a label it does not carry
        # the more specific selector wins (two labels over one)
        {
            "svc.cluster.local": f"selector:\n  serving.kserve.io/inferenceservice: {NAME}\n",
            "example.com": f"selector:\n  serving.kserve.io/inferenceservice: {NAME}\n  component: predictor\n",
            "other.org": "",
        },
    ],
    ids=["external-default", "selector-not-matching", "more-specific-external"],
)
def test_an_external_route_is_still_refused(cluster, domains):
    cluster.add(_configmap("config-domain", domains))
    with pytest.raises(ServingError, match="over the 63 of a DNS label"):
        _deploy(cluster)


def test_route_domain_follows_lookup_domain_for_labels():
    labels = {"app": "a", "team": "t"}
    # ties of specificity go to the lowest domain name (strings.Compare)
    assert (
        specs.route_domain(
            {"b.com": "selector:\n  app: a\n", "a.com": "selector:\n  team: t\n", "z.com": ""},
            labels,
        )
        == "a.com"
    )
    assert specs.route_domain({"z.com": ""}, labels) == "z.com"
    assert (
        specs.route_domain({"z.com": "selector:\n  app: b\n"}, labels) == specs.CLUSTER_LOCAL_DOMAIN
    )
    assert (
        specs.route_domain(
            {"z.com": ""}, {**labels, "networking.knative.dev/visibility": "cluster-local"}
        )
        == specs.CLUSTER_LOCAL_DOMAIN
    )
    assert (
        specs.route_domain({"z.com": "selector: [a]"}, labels) is None
    )  # Knative refuses it: unknown


def test_rollout_status_names_no_tag_host_problem_for_it(cluster, tmp_path, monkeypatch, capsys):
    from ctloop.cli import main

    monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", cluster.url))
    cluster.create_isvc(
        NS,
        specs.inference_service(
            NAME, namespace=NS, model_name="credit", version="1", storage_uri=V1
        ),
    )
    assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
    assert "TAG HOST" in capsys.readouterr().out  # config-domain unreadable: config-network alone
    cluster.add(_configmap("config-domain", {}))
    assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
    assert "TAG HOST" not in capsys.readouterr().out
