"""A version deleted while its promotion waited for the lock left a pending promotion behind.

``promote`` checked the version before it took the promotion lock, and may wait for the lock up to
``lock_timeout_s`` (330 s). A version deleted in that wait (the MLflow UI, a cleanup job) got an intent
record anyway, then the champion alias write failed ("Model Version (name=..., version=2) not found"), and
the message said "whether it moved, `ctloop registry status` tells": the record stayed pending, ``status``
reported the registry inconsistent (exit 1) until a repair. MLflow checks the version before it writes an
alias (mlflow 3.17 ``store/model_registry/sqlalchemy_store.py`` ``set_registered_model_alias``:
``_get_sql_model_version``), so a not-found answer means nothing moved. Now the version is read again
under the lock (nothing is written for a missing version), and a not-found alias write aborts the intent
and says the version was deleted.

Against the real MLflow server on loopback (the session's, ``tests/fixtures/servers.py``)."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.errors import RegistryError
from ctloop.registry import MlflowRegistry


def _model(mlflow_url: str, tmp_path) -> tuple[MlflowRegistry, str]:
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = f"r45-deleted-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    for _ in range(2):
        client.create_model_version(
            name, source="s3://ctloop-r45/model"
        )  # not read: no model is loaded
    return MlflowRegistry(mlflow_url), name


def test_a_version_deleted_while_waiting_for_the_lock_writes_nothing(mlflow_url, tmp_path):
    registry, name = _model(mlflow_url, tmp_path)
    acquire = registry._acquire

    def acquire_after_a_delete(model, *, wait):
        acquire(model, wait=wait)
        registry.client.delete_model_version(name, "2")  # deleted while the promotion waited

    registry._acquire = acquire_after_a_delete
    with pytest.raises(RegistryError, match="has no version '2'"):
        registry.promote(name, "2", reason="gate passed")
    state = registry.inspect(name)
    assert state.consistent and not state.pending and state.champion in ("", None), state
    assert registry._promotions(name) == []


def test_a_version_deleted_just_before_the_alias_moves_aborts_the_promotion(mlflow_url, tmp_path):
    registry, name = _model(mlflow_url, tmp_path)
    registry.promote(name, "1", reason="first")
    client = registry.client
    set_alias = client.set_registered_model_alias

    def delete_then_set(model, alias, version):
        if alias == "champion":
            client.delete_model_version(model, version)
        return set_alias(model, alias, version)

    client.set_registered_model_alias = delete_then_set
    with pytest.raises(RegistryError) as err:
        registry.promote(name, "2", reason="gate passed")
    assert "was deleted during the promotion" in str(err.value) and "aborted" in str(err.value), (
        err.value
    )
    del client.set_registered_model_alias
    state = registry.inspect(name)
    assert state.consistent and not state.pending and state.champion == "1", state
