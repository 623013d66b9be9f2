"""Fix 48 D: components/mlflow-postgres requires components/mlflow's Deployment, and says so.

Round 48 inserts the ``wait-for-postgres`` init container with a JSON patch (RFC 6902) at
``/spec/template/spec/initContainers/0``, before ``db-upgrade``. On a user's own MLflow Deployment
named ``mlflow`` without init containers that path's list is missing, and kustomize refuses the
build ("doc is missing path"); nothing said so. Now the component's comment and
docs/manifests.md do, and this pins the error they quote (kubectl kustomize, as the other
manifest tests)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from tests.helpers import REPO
from tests.manifests.support import MANIFESTS, find, kustomize, need_tool

COMPONENT = MANIFESTS / "components" / "mlflow-postgres"
MISSING = '"/spec/template/spec/initContainers/0'


def _own_mlflow(workdir: Path, init: list[dict]) -> Path:
    pod = {"containers": [{"name": "mlflow", "image": "ghcr.io/mlflow/mlflow:v3.1.0"}]}
    if init:
        pod["initContainers"] = init
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "mlflow"},
        "spec": {
            "selector": {"matchLabels": {"app": "mlflow"}},
            "template": {"metadata": {"labels": {"app": "mlflow"}}, "spec": pod},
        },
    }
    (workdir / "deployment.yaml").write_text(yaml.safe_dump(deployment))
    (workdir / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": ["deployment.yaml"],
                "components": [os.path.relpath(COMPONENT, workdir)],
            }
        )
    )
    return workdir


def test_an_own_deployment_without_init_containers_fails_the_build(tmp_path):
    done = subprocess.run(
        [need_tool("kubectl"), "kustomize", str(_own_mlflow(tmp_path, []))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0, "built without the wait for PostgreSQL"
    assert "add operation does not apply: doc is missing path" in done.stderr, done.stderr
    assert MISSING in done.stderr.replace("\\", ""), done.stderr


def test_with_an_init_container_the_wait_goes_first(tmp_path):
    objects = kustomize(_own_mlflow(tmp_path, [{"name": "migrate", "image": "busybox:1.36"}]))
    init = find(objects, "Deployment", "mlflow")["spec"]["template"]["spec"]["initContainers"]
    assert [c["name"] for c in init] == ["wait-for-postgres", "migrate"]


def test_the_requirement_is_said_where_it_is_listed():
    comment = (COMPONENT / "kustomization.yaml").read_text(encoding="utf-8")
    assert "It requires ../mlflow's Deployment" in comment
    assert "doc is missing path" in comment
    docs = (REPO / "docs" / "manifests.md").read_text(encoding="utf-8")
    assert "It requires `components/mlflow`'s Deployment" in docs
    assert "add operation does not apply: doc is missing path" in docs
