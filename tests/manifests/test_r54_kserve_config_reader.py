"""The optional ClusterRole that lets the pipeline runner read ``inferenceservice-config``.

A rollout of an InferenceService naming no deployment mode reads that ConfigMap's ``deploy`` key
(``kube.read_kserve_default``: CoreV1Api ``read_namespaced_config_map``, a GET by name) to learn
the cluster's default, and drives the service when it is Knative. Nothing granted that GET, so on a
real cluster the read got 403 and every such service was refused as of unknown mode. Now
``manifests/extras/kserve-config-reader`` grants that one GET, and the refusal names it.

It was a Role in ``kserve`` (namespace to be edited to ``kubeflow`` on Kubeflow installs), but the
API server authorizes a request before it looks the object up (k8s.io/apiserver
``pkg/server/config.go`` ``DefaultBuildHandlerChain``: ``WithAuthorization`` wraps the handler that
reads storage; kubernetes/kubernetes#31753): with no rule covering ``kserve`` the runner got 403
there even where that namespace does not exist, never the 404 that moves the reader on to
``kubeflow`` — every rollout of a service naming no mode was refused there. Now a ClusterRole bound
cluster-wide. ``_ApiServer`` below is a double of the API server: RBAC of the rendered objects
first, then existence.
"""

from __future__ import annotations

import pytest
from kubernetes.client import V1ConfigMap
from kubernetes.client.exceptions import ApiException

from ctloop.serving.isvc import KSERVE_CONFIG, KSERVE_CONFIG_READER
from ctloop.serving.kube import read_kserve_default
from tests.manifests.support import DOCS, MANIFESTS, REPO, find, kustomize, render
from tests.manifests.test_render import validate

READER = MANIFESTS / "extras" / "kserve-config-reader"
NAME = "ctloop-read-inferenceservice-config"


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return kustomize(READER)


@pytest.fixture(scope="module")
def runner() -> dict:
    found = find(render("overlays/prod"), "ServiceAccount", "ctloop-pipeline-runner")
    return {
        "kind": "ServiceAccount",
        "name": found["metadata"]["name"],
        "namespace": found["metadata"]["namespace"],
    }


def test_renders_and_validates(objects):
    assert sorted(o["kind"] for o in objects) == ["ClusterRole", "ClusterRoleBinding"]
    for obj in objects:
        validate(obj)


def test_grants_get_on_inferenceservice_config_alone_in_every_namespace(objects):
    assert all("namespace" not in o["metadata"] for o in objects)  # cluster-scoped
    role = find(objects, "ClusterRole", NAME)
    assert role["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["configmaps"],
            "resourceNames": [KSERVE_CONFIG],
            "verbs": ["get"],
        }
    ]


def test_binds_the_runner_of_the_prod_overlay(objects, runner):
    binding = find(objects, "ClusterRoleBinding", NAME)
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": NAME,
    }
    assert binding["subjects"] == [runner]


def test_named_where_it_is_needed():
    assert KSERVE_CONFIG_READER == f"kubectl apply -k {READER.relative_to(REPO)}"
    assert KSERVE_CONFIG_READER in DOCS.read_text()
    assert KSERVE_CONFIG_READER in (REPO / "docs" / "serving.md").read_text()


class _ApiServer:
    """A double of the API server's GET of a ConfigMap (CoreV1Api ``read_namespaced_config_map``):
    RBAC of ``rbac`` (rendered objects) first — a 403 without a rule, whether or not the namespace
    exists — then the object (404 without it). A Role or RoleBinding counts only in a namespace
    that exists (none can be created elsewhere)."""

    def __init__(
        self, rbac: list[dict], namespaces: set[str], config_maps: dict[str, dict], user
    ) -> None:
        self.rbac, self.namespaces, self.config_maps, self.user = (
            rbac,
            namespaces,
            config_maps,
            user,
        )
        self.answers: list[tuple[str, int]] = []

    def _rules(self, namespace: str) -> list[dict]:
        out = []
        for binding in self.rbac:
            kind, ns = binding["kind"], binding["metadata"].get("namespace")
            if (
                kind not in ("RoleBinding", "ClusterRoleBinding")
                or self.user not in binding["subjects"]
            ):
                continue
            if kind == "RoleBinding" and (ns != namespace or ns not in self.namespaces):
                continue
            ref = binding["roleRef"]
            for role in self.rbac:
                if (
                    role["kind"] == ref["kind"]
                    and role["metadata"]["name"] == ref["name"]
                    and (role["kind"] == "ClusterRole" or role["metadata"].get("namespace") == ns)
                ):
                    out += role["rules"]
        return out

    def read_namespaced_config_map(self, name, namespace, **_kw):
        allowed = any(
            "" in r["apiGroups"]
            and "configmaps" in r["resources"]
            and "get" in r["verbs"]
            and name in r.get("resourceNames", [name])
            for r in self._rules(namespace)
        )
        status = 403 if not allowed else 200 if namespace in self.config_maps else 404
        self.answers.append((namespace, status))
        if status != 200:
            raise ApiException(status=status, reason={403: "Forbidden", 404: "Not Found"}[status])
        return V1ConfigMap(data=self.config_maps[namespace])


def _install(objects: list[dict], runner: dict, namespace: str, mode: str) -> _ApiServer:
    """The API server of a cluster with namespaces ctloop and ``namespace``, KServe's ConfigMap in
    ``namespace`` naming ``mode`` the default, the runner bound by ``objects``."""
    return _ApiServer(
        objects,
        {"ctloop", namespace},
        {namespace: {"deploy": f'{{"defaultDeploymentMode": "{mode}"}}'}},
        runner,
    )


def test_a_kubeflow_install_is_read_past_the_missing_kserve_namespace(objects, runner):
    # Kubeflow's install: KServe and its ConfigMap in kubeflow, no namespace kserve
    server = _install(objects, runner, "kubeflow", "Knative")
    found = read_kserve_default(server)
    assert server.answers == [("kserve", 404), ("kubeflow", 200)]  # was: [("kserve", 403)]
    assert (found.mode, found.namespace, found.failure) == ("Knative", "kubeflow", "")


def test_kserves_own_install_is_read_in_kserve(objects, runner):
    server = _install(objects, runner, "kserve", "Standard")
    assert read_kserve_default(server).mode == "Standard" and server.answers == [("kserve", 200)]


def test_without_it_the_runner_is_forbidden_and_told_of_it(objects, runner):
    server = _install([], runner, "kubeflow", "Knative")
    found = read_kserve_default(server)
    assert server.answers == [("kserve", 403)]  # no namespace kserve, still 403
    assert found.forbidden and found.mode == "" and found.read_failure == ""
