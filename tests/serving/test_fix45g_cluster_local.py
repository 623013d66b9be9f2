"""A cluster-local InferenceService is not held to config-network's domain-template.

knative-v1.21.1 ``pkg/reconciler/route/domains/domains.go`` ``DomainNameFromTemplate`` gives a
Route labelled ``networking.knative.dev/visibility: cluster-local`` Knative's default domain template
``{{.Name}}.{{.Namespace}}.{{.Domain}}`` whatever config-network's ``domain-template`` says; its
``tag-template`` still applies (``HostnameFromTemplate``). KServe v0.20.0 copies the
InferenceService's labels onto the Knative Service (``predictor.go`` ``buildObjectMeta``,
``ksvc_reconciler.go``) and Knative onto the Route. ctloop's tag-host check used
config-network's namespaced template for such a service too: it refused a deploy Knative serves,
and ``ctloop rollout status`` printed a ``TAG HOST`` problem that does not exist. The older
``serving.knative.dev/visibility`` is read nowhere in knative-v1.21.1 (nor in its knative.dev/networking:
``pkg/reconciler/route/config/domain.go`` ``LookupDomainForLabels`` and ``DomainNameFromTemplate``
test ``networking.knative.dev/visibility`` only; KServe v0.20.0 ``constants.VisibilityLabel`` is the
same): a service with only that label gets config-network's templates and is still checked.

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
NAME = "credit-default-risk-scorecard"  # 64 characters in the namespaced label, 47 in the default
NAMESPACED = "{{.Name}}-{{.Namespace}}.{{.Domain}}"
LABELS = ["networking.knative.dev/visibility"]
OBSOLETE = "serving.knative.dev/visibility"


def _network(domain_template: str, tag_template: str = "") -> dict:
    data = {"domain-template": domain_template}
    if tag_template:
        data["tag-template"] = tag_template
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "config-network", "namespace": "knative-serving"},
        "data": data,
    }


def _body(label: str | None) -> dict:
    body = specs.inference_service(
        NAME, namespace=NS, model_name="credit", version="1", storage_uri=V1
    )
    if label:
        body["metadata"].setdefault("labels", {})[label] = "cluster-local"
    return body


@pytest.fixture
def cluster():
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double


@pytest.mark.parametrize("label", LABELS, ids=["networking"])
def test_a_cluster_local_service_is_created_under_a_namespaced_domain_template(cluster, label):
    cluster.add(_network(NAMESPACED))
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    state = rollout.deploy(
        isvcs,
        name=NAME,
        model_name="credit",
        version="1",
        storage_uri=V1,
        timeout_s=5,
        template=_body(label),
    )
    assert state.action == "created"


@pytest.mark.parametrize("label", [None, OBSOLETE], ids=["no-label", "obsolete-serving-label"])
def test_the_same_service_without_the_label_is_still_refused(cluster, label):
    cluster.add(_network(NAMESPACED))
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    with pytest.raises(ServingError, match="64 characters"):
        rollout.deploy(
            isvcs,
            name=NAME,
            model_name="credit",
            version="1",
            storage_uri=V1,
            timeout_s=3,
            template=_body(label),
        )
    assert not any(method == "POST" for method, _p, _b in cluster.calls)


def test_a_cluster_local_services_tag_template_still_counts(cluster):
    """Knative's HostnameFromTemplate applies config-network's tag-template to every Route."""
    cluster.add(_network(NAMESPACED, "{{.Tag}}-{{.Name}}-tagged-for-the-mesh"))
    isvcs = InferenceServices(NS, api_client=cluster.api_client())
    with pytest.raises(ServingError) as err:
        rollout.deploy(
            isvcs,
            name=NAME,
            model_name="credit",
            version="1",
            storage_uri=V1,
            timeout_s=3,
            template=_body(LABELS[0]),
        )
    assert "'latest-credit-default-risk-scorecard-predictor-tagged-for-the-mesh'" in str(err.value)
    assert "domain-template '{{.Name}}.{{.Namespace}}.{{.Domain}}'" in str(err.value)
    assert not any(method == "POST" for method, _p, _b in cluster.calls)


def test_rollout_status_names_no_tag_host_problem_for_a_cluster_local_service(
    cluster, tmp_path, monkeypatch, capsys
):
    from ctloop.cli import main

    monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", cluster.url))
    cluster.add(_network(NAMESPACED))
    cluster.create_isvc(NS, _body(LABELS[0]))
    assert main(["rollout", "status", "--isvc", NAME, "--namespace", NS]) == 0
    assert "TAG HOST" not in capsys.readouterr().out
