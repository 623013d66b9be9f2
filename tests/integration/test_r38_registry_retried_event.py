"""An audit record whose ``runs/create`` a gateway answered 503 after the real ``mlflow server``
applied it: MLflow's client retries it (mlflow 3.17.2 ``mlflow/utils/request_utils.py``: every method
on 408/429/5xx), which leaves two runs for one event, and ``ctloop audit`` listed the event twice
("approved" twice for one decision). Now each record carries ``ctloop.audit.event_id`` and a
retried copy is listed once."""

from __future__ import annotations

import uuid

import pytest

from ctloop.registry import MlflowRegistry
from tests.integration.test_r38_registry_retried_create import _gateway

pytestmark = pytest.mark.slow


def test_a_retried_audit_record_is_listed_once(mlflow_url):
    name = f"r38-event-{uuid.uuid4().hex[:8]}"
    MlflowRegistry(mlflow_url).record_event(name, "", {"event": "first"})  # the experiment exists
    server, seen = _gateway(mlflow_url, "/runs/create")
    try:
        MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}").record_event(
            name, "", {"event": "approved", "reason": "ok", "pipeline_run": "run-1"})
    finally:
        server.shutdown()
        server.server_close()
    assert seen.count("POST /api/2.0/mlflow/runs/create") == 2, seen  # the retry happened
    reg = MlflowRegistry(mlflow_url)
    assert [e["event"] for e in reg.audit_log(name)] == ["first", "approved"]
    assert [e["event"] for e in reg.run_events(name, "run-1")] == ["approved"]
