"""Every container of every workload the manifests render declares CPU and memory requests and limits.

The MLflow Deployment's init container ``db-upgrade`` declared none. In a namespace with a
ResourceQuota on ``limits.cpu``/``limits.memory`` (or ``requests.*``) the API server refuses such a
pod ("must specify limits.cpu for: db-upgrade", k8s.io/kubernetes ``pkg/quota/v1/evaluator/core/
pods.go`` checks every container, init containers included): the ReplicaSet never makes a pod and
MLflow never starts. And with no LimitRange it runs unbounded beside the server on the node.
"""

from __future__ import annotations

import pytest

from tests.manifests.support import TARGETS, render, render_all_components

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job")


@pytest.fixture(scope="module")
def all_components(tmp_path_factory) -> list[dict]:
    return render_all_components(tmp_path_factory.mktemp("r45-init-resources"))


def unbounded(objects) -> list[str]:
    out = []
    for obj in objects:
        if obj["kind"] not in WORKLOADS:
            continue
        pod = obj["spec"]["template"]["spec"]
        for c in pod.get("initContainers", []) + pod["containers"]:
            res = c.get("resources") or {}
            missing = [
                f"{k}.{r}"
                for k in ("requests", "limits")
                for r in ("cpu", "memory")
                if r not in (res.get(k) or {})
            ]
            if missing:
                out.append(
                    f"{obj['kind']} {obj['metadata']['name']} container {c['name']}: no {', '.join(missing)}"
                )
    return out


def test_every_container_of_every_component_is_bounded(all_components):
    assert any(
        o["kind"] == "Deployment" and o["metadata"]["name"] == "mlflow" for o in all_components
    )
    assert unbounded(all_components) == []


@pytest.mark.parametrize("target", TARGETS)
def test_every_container_of_every_target_is_bounded(target):
    assert unbounded(render(target)) == []
