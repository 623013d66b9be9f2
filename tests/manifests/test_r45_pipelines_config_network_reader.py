"""The optional Role that lets the pipeline runner read ``knative-serving/config-network``.

A first deploy reads that ConfigMap (``InferenceServices.network_templates``: CoreV1Api
``read_namespaced_config_map``, a GET by name) to refuse a name whose canary host Knative's Route
would refuse; docs/serving.md said the check runs "only where a Role in knative-serving lets the
runner get configmaps/config-network", and no manifest shipped such a Role. Now
``manifests/extras/knative-network-reader`` does, with nothing beyond that one GET.
"""

from __future__ import annotations

import pytest

from ctloop.serving.isvc import NETWORK_CONFIG
from tests.manifests.support import DOCS, MANIFESTS, find, kustomize, render
from tests.manifests.test_render import validate

READER = MANIFESTS / "extras" / "knative-network-reader"


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return kustomize(READER)


def test_renders_and_validates(objects):
    assert sorted(o["kind"] for o in objects) == ["Role", "RoleBinding"]
    for obj in objects:
        validate(obj)


def test_grants_get_on_config_network_alone_in_its_namespace(objects):
    namespace, name = NETWORK_CONFIG
    assert {o["metadata"]["namespace"] for o in objects} == {namespace}
    role = find(objects, "Role", "ctloop-read-config-network")
    assert role["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["configmaps"],
            "resourceNames": [name, "config-domain"],
            "verbs": ["get"],
        }
    ]


def test_binds_the_runner_of_the_prod_overlay(objects):
    binding = find(objects, "RoleBinding", "ctloop-read-config-network")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "ctloop-read-config-network",
    }
    runner = find(render("overlays/prod"), "ServiceAccount", "ctloop-pipeline-runner")
    assert binding["subjects"] == [
        {
            "kind": "ServiceAccount",
            "name": runner["metadata"]["name"],
            "namespace": runner["metadata"]["namespace"],
        }
    ]


def test_the_base_and_overlays_stay_without_it():
    for target in ("base", "overlays/dev", "overlays/prod"):
        assert [o["metadata"]["name"] for o in render(target) if o["kind"] == "Role"] == [
            "ctloop-pipeline-runner"
        ]


def test_documented():
    assert "kubectl apply -k manifests/extras/knative-network-reader" in DOCS.read_text()
