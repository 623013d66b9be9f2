"""Hunt 37 (training surface): registry versions ctloop did not train, on a real ``mlflow server``
(MLflow 3.x REST store, as in a cluster)."""

from __future__ import annotations

import uuid

import pytest

from ctloop.cli import main
from ctloop.errors import RegistryError
from ctloop.registry import MlflowRegistry


@pytest.fixture
def foreign(mlflow_url):
    """A model whose champion version another tool registered from a storage location, no run
    (MLflow's ``create_model_version(source="s3://...")``, accepted for a non-local source)."""
    from mlflow import MlflowClient

    name = f"foreign-{uuid.uuid4().hex[:8]}"
    client = MlflowClient(mlflow_url, mlflow_url)
    client.create_registered_model(name)
    mv = client.create_model_version(name, source="s3://models/churn/7", run_id=None)
    client.set_registered_model_alias(name, "champion", mv.version)
    return name


def test_a_version_without_a_training_run_is_refused_naming_it(mlflow_url, foreign):
    # Was: "run  has no artifact 'ctloop/ctloop-model.json' (was it logged by ctloop's
    # train_model?): INVALID_PARAMETER_VALUE: Missing value for required parameter 'run_id'" (an
    # empty run named) and, from load_model (the evaluate step's champion), "cannot read training
    # run : Invalid value "" for parameter 'run_id' supplied."
    registry = MlflowRegistry(mlflow_url)
    expected = (f"^{foreign} v1 has no training run \\(registered from 's3://models/churn/7' outside ctloop\\): "
                "ctloop reads a version's model and meta from the run train_model logged; register a version "
                "trained by ctloop, or point the alias at one$")
    for read in (registry.load_model, registry.load_meta, registry.serving_sha256, registry.model_artifact_uri,
                 registry.load_reference, registry.load_logged_model):
        with pytest.raises(RegistryError, match=expected):
            read(foreign, "1")


@pytest.mark.parametrize("argv", [["score", "--data", "a.csv", "--output", "out", "--quiet"],
                                  ["registry", "verify", "--version", "1"]])
def test_the_cli_says_so_in_one_line(mlflow_url, foreign, tmp_path, monkeypatch, capsys, argv):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.csv").write_text("x,y\n1,2\n3,4\n")
    code = main([*argv, "--model-name", foreign, "--tracking-uri", mlflow_url])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and f"{foreign} v1 has no training run" in err, err
    assert not (tmp_path / "out").exists()


@pytest.fixture
def staged(mlflow_url):
    """A model of a registry used before aliases: v1 Archived, v2 in stage Production, no alias."""
    import warnings

    import mlflow
    from mlflow import MlflowClient

    name = f"staged-{uuid.uuid4().hex[:8]}"
    client = MlflowClient(mlflow_url, mlflow_url)
    mlflow.set_tracking_uri(mlflow_url)
    client.create_registered_model(name)
    for stage in ("Archived", "Production"):
        with mlflow.start_run() as run:
            mlflow.log_text("flavors: {}\n", "model/MLmodel")
        mv = client.create_model_version(name, source=f"{run.info.artifact_uri}/model", run_id=run.info.run_id)
        with warnings.catch_warnings():  # stages are deprecated since MLflow 2.9
            warnings.simplefilter("ignore")
            client.transition_model_version_stage(name, mv.version, stage)
    return name


def test_a_production_stage_without_a_champion_alias_is_noted(mlflow_url, staged, tmp_path, monkeypatch, capsys):
    # MLflow 3.x still keeps stages (deprecated); ctloop reads the champion alias only. Was:
    # "champion none (aliases: none) consistent", and score's "has no alias 'champion' (its
    # aliases: none)": nothing said the registry's Production model is not the gate's champion.
    client = f"MlflowClient(tracking_uri={mlflow_url!r})"
    note = (f"no champion alias, but version(s) in MLflow's deprecated stages: v2 (Production); ctloop reads the "
            f"champion alias only: make v2 the champion ({client}.set_registered_model_alias('{staged}', 'champion', "
            f"'2')) or, if it is no longer the served model, archive its stage "
            f"({client}.transition_model_version_stage('{staged}', '2', 'Archived'))")
    assert MlflowRegistry(mlflow_url).inspect(staged).notes == [note]
    assert main(["registry", "status", "--model-name", staged, "--tracking-uri", mlflow_url]) == 0
    assert f"  note: {note}\n" in capsys.readouterr().out
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.csv").write_text("x,y\n1,2\n")
    code = main(["score", "--model-name", staged, "--tracking-uri", mlflow_url, "--data", "a.csv", "--output", "out",
                 "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and f"(its aliases: none); {note}" in err, err
