"""The optional Role that lets the pipeline runner read ``kserve/inferenceservice-config``.

A rollout of an InferenceService naming no deployment mode reads that ConfigMap's ``deploy`` key
(``kube.read_kserve_default``: CoreV1Api ``read_namespaced_config_map``, a GET by name) to learn
the cluster's default, and drives the service when it is Knative. Nothing granted that GET, so on a
real cluster the read got 403 and every such service was refused as of unknown mode. Now
``manifests/extras/kserve-config-reader`` grants that one GET, and the refusal names it.
"""

from __future__ import annotations

import pytest

from ctloop.serving.isvc import KSERVE_CONFIG, KSERVE_CONFIG_READER, KSERVE_NAMESPACES
from tests.manifests.support import DOCS, MANIFESTS, REPO, find, kustomize, render
from tests.manifests.test_render import validate

READER = MANIFESTS / "extras" / "kserve-config-reader"
NAME = "ctloop-read-inferenceservice-config"


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return kustomize(READER)


def test_renders_and_validates(objects):
    assert sorted(o["kind"] for o in objects) == ["Role", "RoleBinding"]
    for obj in objects:
        validate(obj)


def test_grants_get_on_inferenceservice_config_alone_in_kserve(objects):
    # the first namespace the rollout reads (KServe's own install: its controller's POD_NAMESPACE)
    assert {o["metadata"]["namespace"] for o in objects} == {KSERVE_NAMESPACES[0]}
    role = find(objects, "Role", NAME)
    assert role["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["configmaps"],
            "resourceNames": [KSERVE_CONFIG],
            "verbs": ["get"],
        }
    ]


def test_binds_the_runner_of_the_prod_overlay(objects):
    binding = find(objects, "RoleBinding", NAME)
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": NAME,
    }
    runner = find(render("overlays/prod"), "ServiceAccount", "ctloop-pipeline-runner")
    assert binding["subjects"] == [
        {
            "kind": "ServiceAccount",
            "name": runner["metadata"]["name"],
            "namespace": runner["metadata"]["namespace"],
        }
    ]


def test_named_where_it_is_needed():
    assert KSERVE_CONFIG_READER == f"kubectl apply -k {READER.relative_to(REPO)}"
    assert KSERVE_CONFIG_READER in DOCS.read_text()
    assert KSERVE_CONFIG_READER in (REPO / "docs" / "serving.md").read_text()
