"""Round 54 hunt of the registry with hostile input against a real ``mlflow server`` on loopback (the
session's): each test here failed before its fix. Bad input is one line, and the registry is left
untouched."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.errors import ConfigError
from ctloop.registry import MODEL_NAME_MAX, MlflowRegistry

pytestmark = pytest.mark.slow


def test_an_event_of_a_model_name_mlflow_cannot_register_is_refused_before_any_write(mlflow_url):
    """``record_event`` (the record_decision/record_run_outcome components, every CLI decision) took any
    name: a 300-character one (MLflow's database holds 256: mlflow 3.17.2
    ``store/model_registry/dbmodels/models.py`` SqlRegisteredModel.name String(256)) or one with a newline
    created the audit experiment ``<name>-audit`` and wrote a record for a model that can never exist,
    then warned "v1 was deleted before its tag ctloop.last_event=... was written". Now the name is
    checked as ``register`` checks it (``check_model_name``) before anything is written."""
    reg = MlflowRegistry(mlflow_url)
    client = MlflowClient(mlflow_url)
    tail = uuid.uuid4().hex[:8]
    for name in ("x" * (MODEL_NAME_MAX + 66 - len(tail)) + tail, f"r54-line\n{tail}"):
        with pytest.raises(ConfigError) as refused:
            reg.record_event(name, "1", {"event": "rejected", "reason": "hunt"})
        assert str(refused.value).startswith("model name ") and "\n" not in str(refused.value)
        assert (
            client.get_experiment_by_name(f"{name}-audit") is None
        )  # was: created, a record in it
