"""Fix 47c: components/mlflow-postgres listed before components/mlflow fails the build loudly.

Round 47's component added its ``wait-for-postgres`` init container with a targeted patch; listed
before ``../mlflow`` in an overlay's ``components:``, that patch matched no Deployment and kustomize
left the wait out without a word — the MLflow pod crash-looped again on a first install. The patch
now names the Deployment itself (a strategic merge patch without a target), which kustomize
refuses when no resource matches it. Its script's bound is said as it is: 120 tries of
``pg_isready -t 5`` 5 s apart, 10 to 20 minutes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from tests.manifests.support import MANIFESTS, find, kustomize, need_tool


def _overlay(workdir: Path, components: list[str]) -> Path:
    rel = Path(os.path.relpath(MANIFESTS, workdir))
    (workdir / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "namespace": "team",
                "resources": [str(rel / "base")],
                "components": [str(rel / "components" / c) for c in components],
            }
        )
    )
    return workdir


def test_listed_after_mlflow_the_wait_comes_first(tmp_path):
    pod = find(kustomize(_overlay(tmp_path, ["mlflow", "mlflow-postgres"])), "Deployment", "mlflow")
    names = [c["name"] for c in pod["spec"]["template"]["spec"]["initContainers"]]
    assert names == ["wait-for-postgres", "db-upgrade"]


def test_listed_before_mlflow_the_build_fails_naming_the_deployment(tmp_path):
    done = subprocess.run(
        [need_tool("kubectl"), "kustomize", str(_overlay(tmp_path, ["mlflow-postgres", "mlflow"]))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0, "built without the wait for PostgreSQL"
    assert "no resource matches strategic merge patch" in done.stderr
    assert "Deployment.v1.apps/mlflow" in done.stderr


def test_the_bound_is_said_as_it_is():
    text = (MANIFESTS / "components" / "mlflow-postgres" / "kustomization.yaml").read_text()
    assert "pg_isready -h mlflow-postgres -p 5432 -U mlflow -d mlflow -t 5" in text
    assert "-ge 120 ]" in text and "sleep 5" in text  # 120 x (up to 5 s + 5 s)
    assert "10 minutes" not in text.replace("10 to 20 minutes", "")
