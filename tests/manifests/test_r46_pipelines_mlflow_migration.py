"""Never two MLflow pods at once: the one that runs ``mlflow db upgrade`` is the only one.

The MLflow Deployment's init container ``db-upgrade`` migrates the schema. The prod overlay ran two
replicas, and the Deployment used the default ``RollingUpdate`` strategy (maxSurge 25 %, rounded
up: one extra pod). Two pods starting against a fresh database would both run the Alembic
migration, whose DDL nothing serialises across processes (mlflow 3.17 ``store/db/utils.py``
``_upgrade_db``: a plain ``command.upgrade(config, "heads")``; the loser can fail with
``IntegrityError (UniqueViolation)``), and on an MLflow image bump the new pod's init container
migrated the database while the old pods, older MLflow, still served and wrote against it (the
server checks the schema only when its store is made, ``store/tracking/sqlalchemy_store.py``). Now
every target renders the Deployment with one replica and strategy ``Recreate``: the old pod is gone
before the new one's migration starts, and no second migrating pod exists.
"""

from __future__ import annotations

import pytest

from tests.manifests.support import TARGETS, render, render_all_components


def migrating(objects) -> list[dict]:
    """Deployments whose pods run a schema migration (``... db upgrade``) in an init container."""
    out = []
    for obj in objects:
        if obj["kind"] != "Deployment":
            continue
        pod = obj["spec"]["template"]["spec"]
        commands = [c.get("command", []) + c.get("args", []) for c in pod.get("initContainers", [])]
        if any("db" in cmd and "upgrade" in cmd for cmd in commands):
            out.append(obj)
    return out


def two_pods_possible(objects) -> list[str]:
    out = []
    for deployment in migrating(objects):
        spec, name = deployment["spec"], deployment["metadata"]["name"]
        if spec.get("replicas", 1) != 1:
            out.append(f"{name}: replicas {spec['replicas']}")
        strategy = (spec.get("strategy") or {}).get("type", "RollingUpdate")
        if strategy != "Recreate":
            out.append(f"{name}: strategy {strategy}")
    return out


@pytest.fixture(scope="module")
def all_components(tmp_path_factory) -> list[dict]:
    return render_all_components(tmp_path_factory.mktemp("r46-mlflow-migration"))


def test_every_component_runs_one_migrating_pod(all_components):
    assert [d["metadata"]["name"] for d in migrating(all_components)] == ["mlflow"]
    assert two_pods_possible(all_components) == []


@pytest.mark.parametrize("target", TARGETS)
def test_every_target_runs_one_migrating_pod(target):
    assert two_pods_possible(render(target)) == []


def test_prod_renders_the_mlflow_server():
    assert [d["metadata"]["name"] for d in migrating(render("overlays/prod"))] == ["mlflow"]
