"""Round 47, config surface: MLflow on the in-cluster PostgreSQL (components/mlflow-postgres) waits
for the database instead of crash-looping on a first install.

Before, the MLflow Deployment's first init container ran ``mlflow db upgrade`` at once; on a first
install PostgreSQL initialises (initdb, then a restart) and is not Ready, so the init container
failed and the pod went Init:Error, then Init:CrashLoopBackOff with a back-off growing to 5
minutes, long after the database was up. Now the component puts a ``wait-for-postgres`` init
container first: ``pg_isready -t 5`` (PQping: no valid user needed) 120 times 5 s apart, 10 to 20
minutes at most.
The script itself is run here with a stand-in ``pg_isready`` and ``sleep`` on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.manifests.support import MANIFESTS, find, kustomize


@pytest.fixture(scope="module")
def mlflow_pod(tmp_path_factory) -> dict:
    """The MLflow pod of an overlay as docs/manifests.md describes it: base, mlflow, mlflow-postgres."""
    workdir = tmp_path_factory.mktemp("r47-postgres-wait")
    rel = Path(os.path.relpath(MANIFESTS, workdir))
    (workdir / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "namespace": "team",
                "resources": [str(rel / "base")],
                "components": [
                    str(rel / "components" / "mlflow"),
                    str(rel / "components" / "mlflow-postgres"),
                ],
            }
        )
    )
    return find(kustomize(workdir), "Deployment", "mlflow")["spec"]["template"]["spec"]


def test_the_wait_comes_before_the_migration(mlflow_pod):
    names = [c["name"] for c in mlflow_pod["initContainers"]]
    assert names == ["wait-for-postgres", "db-upgrade"]
    wait = mlflow_pod["initContainers"][0]
    assert wait["image"] == "postgres:16.4"  # the component's own pin, as the StatefulSet's
    assert "pg_isready -h mlflow-postgres -p 5432" in wait["command"][2]


def _stand_ins(tmp_path: Path, answers: int) -> dict[str, str]:
    """``pg_isready`` that says no ``answers`` times, then yes; ``sleep`` that returns at once."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "pg_isready").write_text(
        '#!/bin/sh\necho "$@" >> "$CALLS"\nn=$(wc -l < "$CALLS")\n'
        f"if [ \"$n\" -le {answers} ]; then echo 'mlflow-postgres:5432 - no response'; exit 2; fi\n"
        "echo 'mlflow-postgres:5432 - accepting connections'\n"
    )
    (bin_ / "sleep").write_text("#!/bin/sh\nexit 0\n")
    for tool in bin_.iterdir():
        tool.chmod(0o755)
    return {"PATH": f"{bin_}:{os.environ['PATH']}", "CALLS": str(tmp_path / "calls")}


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    sh = shutil.which("sh")
    assert command[:2] == ["sh", "-c"] and sh
    return subprocess.run(
        [sh, "-c", command[2]], env=env, capture_output=True, text=True, timeout=30
    )


def test_it_waits_until_postgres_accepts_connections(mlflow_pod, tmp_path):
    env = _stand_ins(tmp_path, answers=3)
    done = _run(mlflow_pod["initContainers"][0]["command"], env)
    assert done.returncode == 0, done.stderr
    assert len((tmp_path / "calls").read_text().splitlines()) == 4
    assert "accepting connections" in done.stdout


def test_it_gives_up_after_ten_minutes_saying_where_to_look(mlflow_pod, tmp_path):
    env = _stand_ins(tmp_path, answers=10_000)
    done = _run(mlflow_pod["initContainers"][0]["command"], env)
    assert done.returncode == 1
    assert len((tmp_path / "calls").read_text().splitlines()) == 120  # 120 x (up to 5 s + 5 s)
    assert (
        "accepts no connection after 120 tries (10 to 20 minutes)" in done.stdout
        and "kubectl logs mlflow-postgres-0" in done.stdout
    )
