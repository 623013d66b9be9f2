"""A gateway in front of a real ``mlflow server`` that answers 503 to a write the server has
applied (an ingress timing out while MLflow commits). MLflow's client retries every method on
408/429/500/502/503/504, POST included (mlflow 3.17.2 ``mlflow/utils/request_utils.py``
``_TRANSIENT_FAILURE_RESPONSE_CODES``, ``allowed_methods=None``), so a retried
``model-versions/create`` makes a second version of one registration: ``register`` answered v2 while
v1, the same run with the same lineage tags, was left beside it as an orphan gate-approved version.
Now one registration leaves one version."""

from __future__ import annotations

import uuid

import pytest

from ctloop.registry import CHALLENGER, MlflowRegistry
from tests.integration.registry_support import gateway, log_small_model

pytestmark = pytest.mark.slow


def _gateway(upstream: str, fail_once: str):
    """Forwards everything; the first request whose path ends with ``fail_once`` is applied upstream
    and answered 503 (:func:`tests.integration.registry_support.gateway`)."""
    return gateway(upstream, fail_once=fail_once)


def test_a_retried_version_create_leaves_one_version(mlflow_url):
    _, run_id, uri, _ = log_small_model(mlflow_url, f"r38-retry-{uuid.uuid4().hex[:6]}")
    name = f"r38-retry-{uuid.uuid4().hex[:8]}"
    server, seen = _gateway(mlflow_url, "/model-versions/create")
    try:
        reg = MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}")
        mv = reg.register(name, model_uri=uri, run_id=run_id, tags={"ctloop.gate_decision": "approved"})
    finally:
        server.shutdown()
        server.server_close()
    assert seen.count("POST /api/2.0/mlflow/model-versions/create") == 2, seen  # the retry happened
    direct = MlflowRegistry(mlflow_url)
    versions = direct.versions(name)
    assert [v.version for v in versions] == [mv.version], [(v.version, v.tags) for v in versions]
    assert direct.aliases(name) == {CHALLENGER: mv.version}
    assert mv.tags["ctloop.gate_decision"] == "approved"
