"""``record_event`` writes the audit record, then tags the version ``ctloop.last_event``. A version
deleted between the two (a retention job, an operator in the MLflow UI) failed the step with "cannot
write the audit record for m v1: RESOURCE_DOES_NOT_EXIST ..." although the record was written: a
retried step wrote it twice, and the message was false (round 53 hunt). Now the record stands and the
gone version's tag, which has nowhere to be, is said in one warning line. Real ``mlflow server`` on
loopback behind tests/integration/registry_support.py's proxy, which deletes the version as the tag
write (``POST /api/2.0/mlflow/model-versions/set-tag``, mlflow 3.17.2 ``protos/model_registry.proto``
SetModelVersionTag) arrives: MLflow answers it 404 for real."""

from __future__ import annotations

import logging
import uuid

import pytest
from mlflow import MlflowClient

from ctloop.registry import MlflowRegistry
from tests.integration.registry_support import proxy

pytestmark = pytest.mark.slow


def test_an_event_of_a_version_deleted_meanwhile_is_recorded_once_without_error(mlflow_url, caplog):
    client = MlflowClient(mlflow_url)
    name = f"r53-gone-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    client.create_model_version(name, "s3://r53/model")

    def answer(request, path, _body):
        if path.endswith("/model-versions/set-tag"):
            client.delete_model_version(name, "1")
        return None

    server = proxy(mlflow_url, answer)
    try:
        reg = MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}")
        with caplog.at_level(logging.WARNING, logger="ctloop.registry"):
            reg.record_event(
                name, "1", {"event": "rollback", "reason": "canary failed"}
            )  # was: RegistryError
    finally:
        server.shutdown()
        server.server_close()
    assert [(e["event"], e["version"]) for e in MlflowRegistry(mlflow_url).audit_log(name)] == [
        ("rollback", "1")
    ]
    said = [r.getMessage() for r in caplog.records if "ctloop.last_event" in r.getMessage()]
    assert said == [
        f"ctloop: {name} v1 was deleted before its tag ctloop.last_event=rollback was written; "
        "the audit record of the event is written"
    ], said
