"""A domain template that puts the namespace into the host label is checked when it can be read.

ctloop holds InferenceService names to 46 characters (``config.TAG_ROUTED_NAME_MAX``): with tag
routing Knative serves the canary at ``latest-<name>-predictor`` (config-network's tag-template
``{{.Tag}}-{{.Name}}``), a 63-character DNS label at most. A cluster whose ``domain-template`` is
``{{.Name}}-{{.Namespace}}.{{.Domain}}`` (a common one for a single wildcard certificate) adds
``-<namespace>`` to that label: knative-v1.21.1 ``pkg/reconciler/route/domains/domains.go``
``DomainNameFromTemplate`` refuses the host (``IsFullyQualifiedDomainName``, each label a DNS-1123
label), the Route reports no traffic and a first deploy waited out its timeout. docs/serving.md
said so; nothing checked it. Now a first deploy reads config-network (``knative-serving``; the
keys of knative.dev/networking ``pkg/config/config.go``) when it may, and refuses such a name
before anything is created; ``ctloop rollout status`` says it too. Unreadable (403: the runner's
Role has no rule for it), nothing is claimed.

Through KubeApiDouble (tests/doubles/kube_api.py), which serves the ConfigMap a test adds."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, write_kubeconfig

NS = "production-models"
V1 = "gs://models/v1"
NAME = (
    "credit-default-risk-scorecard"  # 29 characters: within 46, over 63 with "-production-models"
)
NAMESPACED = "{{.Name}}-{{.Namespace}}.{{.Domain}}"


def _network(domain_template: str | None = None, tag_template: str | None = None) -> dict:
    data = {"_example": "# the release YAML's commented defaults"}
    data.update(
        {
            k: v
            for k, v in (("domain-template", domain_template), ("tag-template", tag_template))
            if v
        }
    )
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "config-network", "namespace": "knative-serving"},
        "data": data,
    }


@pytest.fixture
def cluster():
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double


def _posts(double) -> int:
    return sum(1 for method, _p, _b in double.calls if method == "POST")


@pytest.mark.parametrize(
    "domain_template",
    [NAMESPACED, "{{ .Name }}-{{ .Namespace }}.{{ .Domain }}"],
    ids=["tight", "spaced"],
)
def test_a_name_too_long_for_the_clusters_domain_template_is_refused_before_it_is_created(
    cluster, domain_template
):
    cluster.add(_network(domain_template))
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    with pytest.raises(ServingError) as err:
        rollout.deploy(
            isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=3
        )
    message = str(err.value)
    assert (
        "'latest-credit-default-risk-scorecard-predictor-production-models', 64 characters"
        in message
    ), message
    assert "at most 28 characters in this namespace; nothing written" in message, message
    assert _posts(cluster) == 0


@pytest.mark.parametrize(
    "network",
    [
        None,
        _network(),
        _network(NAMESPACED, '{{index .Annotations "x"}}-{{.Name}}'),
        _network("{{.Name}}.{{.Namespace}}.{{.Domain}}"),
    ],
    ids=["unreadable", "defaults", "template-with-functions", "namespace-in-its-own-label"],
)
def test_a_name_that_fits_or_cannot_be_told_is_created(cluster, network):
    if network is not None:
        cluster.add(network)
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    state = rollout.deploy(
        isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5
    )
    assert state.action == "created"


def test_a_forbidden_config_network_claims_nothing(cluster):
    cluster.add(_network(NAMESPACED))
    cluster.forbid("/api/v1/namespaces/knative-serving/configmaps")
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    assert isvcs.network_templates() is None
    assert (
        rollout.deploy(
            isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5
        ).action
        == "created"
    )


def test_rollout_status_names_the_host_label(cluster, tmp_path, monkeypatch, capsys):
    from ctloop.cli import main

    monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", cluster.url))
    cluster.create_isvc(
        NS,
        specs.inference_service(
            NAME, namespace=NS, model_name="credit", version="1", storage_uri=V1
        ),
    )
    assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
    assert "TAG HOST" not in capsys.readouterr().out  # config-network not there: nothing claimed
    cluster.add(_network(NAMESPACED))
    assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
    out = capsys.readouterr().out
    assert (
        "  TAG HOST: InferenceService name 'credit-default-risk-scorecard' in namespace 'production-models'"
        in out
    )
    assert "64 characters, over the 63 of a DNS label" in out, out
