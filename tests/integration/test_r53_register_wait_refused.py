"""``register`` after the version is made: reading it back (``_wait_ready``: ``GET
/api/2.0/mlflow/model-versions/get``, mlflow 3.17.2 ``protos/model_registry.proto`` GetModelVersion)
answered 503 past MLflow's retries raised "cannot register models:/m-... as model 'x': ..." while the
version stayed registered with no alias: a KFP retry of register_model registered the model again
(round 53 hunt, a busy server between a write and its read-back). Now the version is deleted again, as
when its alias write fails, and the one line says so. Real ``mlflow server`` on loopback behind
tests/integration/registry_support.py's proxy answering that read as MLflow answers an error."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.errors import RegistryError
from ctloop.registry import MlflowRegistry
from tests.integration.registry_support import register_via_proxy

pytestmark = pytest.mark.slow

BUSY = b'{"error_code": "TEMPORARILY_UNAVAILABLE", "message": "database is locked"}'


def test_a_version_whose_read_back_fails_is_deleted_again_and_said(mlflow_url, monkeypatch):
    monkeypatch.setenv(
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0"
    )  # MLflow's retries: not the point here
    client = MlflowClient(mlflow_url)
    logged = client.create_logged_model(
        client.create_experiment(f"r53-wait-{uuid.uuid4().hex[:8]}")
    )
    name = f"r53-wait-{uuid.uuid4().hex[:8]}"

    def answer(request, path, _body):
        if path.endswith("/model-versions/get") and request.command == "GET":
            return 503, {"Content-Type": "application/json"}, BUSY
        return None

    text = str(register_via_proxy(mlflow_url, answer, name, logged.model_id, RegistryError))
    assert text.startswith(f"model {name!r} v1: reading it back after its create failed ("), text
    assert "503" in text and "\n" not in text, text
    assert text.endswith("; v1 deleted again, nothing registered: run the step again"), text
    assert MlflowRegistry(mlflow_url).versions(name) == []  # was: v1 left, no alias
