"""A promotion takes alias ``challenger`` off the version it makes champion: ``challenger`` is the
newest version that passed the gate and is not serving yet, read by ``ctloop score --alias
challenger`` and shadow deployments (was: left on the new champion, so both aliases named one
model). A newer challenger stays (tests/integration/test_registry.py::test_register_promote_and_history),
and one registered while the promotion ran keeps the alias (aliases are last-writer-wins, mlflow 3.17.2
``store/model_registry/sqlalchemy_store.py`` ``set_registered_model_alias``: the versions are read again
after the delete). A champion left ``challenger`` (by a promotion before round 55) needs repair. The
session's real MLflow server on loopback."""

from __future__ import annotations

import uuid

import pytest

from ctloop.cli import main
from ctloop.registry import CHALLENGER, CHAMPION, TAG_REGISTRATION_ID, MlflowRegistry

pytestmark = pytest.mark.slow


def _model(url: str, versions: int) -> tuple[MlflowRegistry, str, str]:
    """A model of ``versions`` versions, each from a training run, ``challenger`` pointed as register does."""
    reg = MlflowRegistry(url)
    name = f"r55-challenger-{uuid.uuid4().hex[:8]}"
    reg.client.create_registered_model(name)
    experiment = reg.client.create_experiment(name)
    for _ in range(versions):
        _version(reg, experiment, name)
    return reg, name, experiment


def _version(reg: MlflowRegistry, experiment: str, name: str) -> str:
    run = reg.client.create_run(experiment)
    reg.client.set_terminated(run.info.run_id)
    mv = reg.client.create_model_version(
        name,
        f"{run.info.artifact_uri}/model",
        run_id=run.info.run_id,
        tags={TAG_REGISTRATION_ID: uuid.uuid4().hex},
    )
    reg._point_challenger(name, int(mv.version))
    return str(mv.version)


def test_a_challenger_registered_while_the_alias_is_taken_off_keeps_it(mlflow_url, monkeypatch):
    reg, name, experiment = _model(mlflow_url, 1)
    delete = reg.client.delete_registered_model_alias
    newer: list[str] = []

    def racing(
        model, alias
    ):  # a concurrent run's register writes the alias between the read and the delete
        if alias == CHALLENGER and not newer:
            newer.append(_version(MlflowRegistry(mlflow_url), experiment, name))
        return delete(model, alias)

    monkeypatch.setattr(reg.client, "delete_registered_model_alias", racing)
    reg.promote(name, "1", reason="first model")
    assert newer == ["2"]
    assert reg.aliases(name) == {CHAMPION: "1", CHALLENGER: "2"}


def test_a_champion_left_challenger_needs_repair_and_is_repaired(mlflow_url, capsys):
    """A registry promoted before round 55 kept ``challenger`` on the champion; status said consistent
    and a promote of the champion (a retried step) left it (was: never reported nor removed)."""
    reg, name, _ = _model(mlflow_url, 1)
    reg.promote(name, "1", reason="first model")
    # as a promotion before round 55 left it
    reg.client.set_registered_model_alias(name, CHALLENGER, "1")
    state = reg.inspect(name)
    assert not state.consistent
    assert state.incomplete == [f"alias {CHALLENGER} names the champion v1"]
    # the no-op path settles it, as any promotion does
    assert reg.promote(name, "1", reason="retried step") is None
    assert reg.aliases(name) == {CHAMPION: "1"}

    reg.client.set_registered_model_alias(name, CHALLENGER, "1")
    capsys.readouterr()
    argv = ["--model-name", name, "--tracking-uri", mlflow_url]
    assert main(["registry", "status", *argv]) == 1
    out = capsys.readouterr().out
    assert f"alias {CHALLENGER} names the champion v1" in out and "needs repair" in out, out
    assert main(["registry", "repair", *argv]) == 0
    out = capsys.readouterr().out
    assert f"promotion {state.promotion.id}: alias {CHALLENGER}: removed from v1" in out, out
    assert reg.aliases(name) == {CHAMPION: "1"}
    assert reg.inspect(name).consistent
