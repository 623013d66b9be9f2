"""The audit experiment ``<model>-audit`` deleted by hand in the MLflow UI (a soft delete: mlflow 3.17.2
``store/tracking/sqlalchemy_store.py`` ``delete_experiment`` sets ``lifecycle_stage=deleted``; its runs
stay, hidden from searches). Every promotion and audit write then failed naming "experiment 2" without
saying which or how to restore it, and the readers saw no record at all: ``ctloop registry status``
said the champion "has no promotion record: the alias was set outside ctloop", consistent, exit 0.
Now readers and writers say it is deleted and how to restore it, in one line."""

from __future__ import annotations

import uuid

import pytest

from ctloop.errors import RegistryError
from ctloop.registry import MlflowRegistry
from tests.helpers import run_main
from tests.integration.registry_support import log_small_model

pytestmark = pytest.mark.slow


def test_a_deleted_audit_experiment_is_named_with_how_to_restore_it(mlflow_url, capsys):
    _, run_id, uri, _ = log_small_model(mlflow_url, f"r38-deleted-{uuid.uuid4().hex[:6]}")
    name = f"r38-deleted-{uuid.uuid4().hex[:8]}"
    reg = MlflowRegistry(mlflow_url)
    for _ in range(2):
        reg.register(name, model_uri=uri, run_id=run_id, tags={})
    reg.promote(name, "1", reason="first")
    exp = reg.client.get_experiment_by_name(f"{name}-audit")
    reg.client.delete_experiment(exp.experiment_id)
    capsys.readouterr()  # the registrations' log lines

    code, out, err = run_main(["registry", "status", "--model-name", name, "--tracking-uri", mlflow_url], capsys, 60)
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert f"'{name}-audit'" in err and "deleted" in err and f"restore --experiment-id {exp.experiment_id}" in err

    with pytest.raises(RegistryError, match="restore --experiment-id"):
        reg.promote(name, "2", reason="second")
    assert reg.aliases(name)["champion"] == "1"
    reg.client.restore_experiment(exp.experiment_id)
    assert reg.promote(name, "2", reason="second") == "1"
    assert reg.inspect(name).consistent
