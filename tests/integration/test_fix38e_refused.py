"""A real ``mlflow server`` behind a gateway that refuses chosen writes with 403 (an auth app whose
user lacks the permission: mlflow 3.17.2 ``mlflow/server/auth/__init__.py`` answers
PERMISSION_DENIED, HTTP 403). ctloop's registry client (``registry._Client``) words a refusal as a
``RegistryError``: best-effort writes must swallow that as they swallowed the ``MlflowException``."""

from __future__ import annotations

import copy
import uuid

import pytest
from mlflow import MlflowClient

from ctloop.monitoring import trigger
from ctloop.monitoring.store import SEQ_TAG, SEQ_WIDTH, MonitoringStore
from ctloop.registry import MlflowRegistry
from tests.integration.registry_support import gateway

pytestmark = pytest.mark.slow

def test_a_refused_completion_of_a_half_mark_still_answers_the_started_run(mlflow_url):
    model = f"fix38e-trig-{uuid.uuid4().hex[:6]}"
    direct = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    exp = direct.create_experiment(f"{model}-monitoring")
    run = direct.create_run(exp, tags={"triggered": "pending", "kfp_run": "kfp-123", "window_end": "w1",
                                       SEQ_TAG: "1".zfill(SEQ_WIDTH)})
    server, seen = gateway(mlflow_url, refuse=("/runs/set-tag",))
    try:
        store = MonitoringStore(MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}").client, model)
        assert trigger._already_started(store, run.info.run_id) == "kfp-123"
    finally:
        server.shutdown()
        server.server_close()
    assert "POST /api/2.0/mlflow/runs/set-tag" in seen  # the completion was tried, and refused


def test_a_refused_read_of_the_window_is_no_started_run(mlflow_url):
    server, _ = gateway(mlflow_url, refuse=("/runs/get",))
    try:
        store = MonitoringStore(MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}").client, "m")
        assert trigger._already_started(store, uuid.uuid4().hex) == ""
    finally:
        server.shutdown()
        server.server_close()


def test_the_registry_client_survives_copy(mlflow_url):
    client = MlflowRegistry(mlflow_url).client
    copied = copy.copy(client)
    assert copied.tracking_uri == client.tracking_uri
