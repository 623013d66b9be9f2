"""The champion's version deleted in the MLflow UI: MLflow deletes its aliases with it (mlflow 3.17.2
``store/model_registry/sqlalchemy_store.py`` ``delete_model_version``), so ``ctloop registry status``
said "champion none ... consistent" like a model never promoted, while the champion history still
ends with that version. Now a note says the champion was deleted and which version was the previous
champion."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.registry import MlflowRegistry
from tests.helpers import run_main

pytestmark = pytest.mark.slow


def test_status_says_the_champion_was_deleted(mlflow_url, capsys):
    name = f"r39-deleted-{uuid.uuid4().hex[:8]}"
    c = MlflowClient(mlflow_url, registry_uri=mlflow_url)  # not the process-wide registry URI an earlier test set
    c.create_registered_model(name)
    for i in range(3):
        c.create_model_version(name, f"s3://r39/m{i}")
    reg = MlflowRegistry(mlflow_url)
    reg.promote(name, "1", reason="first")
    reg.promote(name, "2", reason="second")
    c.delete_model_version(name, "2")
    capsys.readouterr()
    code, out, err = run_main(["registry", "status", "--model-name", name, "--tracking-uri", mlflow_url], capsys, 60)
    assert code == 0, err
    assert f"{name}: champion none" in out, out
    assert "note: the champion v2 (promoted " in out and "was deleted" in out, out
    assert "(previous-champion is v1)" in out, out
