"""A waiter that lost the race to break a dead holder's promotion lock failed its promotion.

Two waiters that both read the dead holder's lock both rename it (``_break_lease``); on MLflow 3.17 with
a SQL store the loser's rename is not always refused with RESOURCE_ALREADY_EXISTS or
RESOURCE_DOES_NOT_EXIST: the row it read is gone by its UPDATE, and SQLAlchemy's stale-data check
surfaces as BAD_REQUEST "UPDATE statement on table 'registered_models' expected to update 1 row(s); 0 were
matched" (mlflow 3.17.2 ``store/model_registry/sqlalchemy_store.py`` ``rename_registered_model`` under
``server/handlers.py``'s generic MlflowException path). That raised "cannot break the promotion lock" and the
promotion failed although it had only lost a race. Now any refusal of the rename is judged by re-reading
the lock: gone or another lease -> lost the race, wait; the same dead lease still there -> the error.

Against the real MLflow server on loopback (the session's, ``tests/fixtures/servers.py``); only the
loser's rename answer is replaced, by the refusal the real server gave in that race."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import BAD_REQUEST

from ctloop.errors import RegistryError
from ctloop.registry import LOCK_SUFFIX, TAG_LOCK_EXPIRES, TAG_LOCK_OWNER, MlflowRegistry

STALE_UPDATE = (
    "UPDATE statement on table 'registered_models' expected to update 1 row(s); 0 were matched."
)


def _dead_lock(mlflow_url: str, owner: str) -> str:
    name = f"f44-lock-{uuid.uuid4().hex[:8]}"
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    client.create_registered_model(name)
    client.create_registered_model(
        name + LOCK_SUFFIX,
        tags={TAG_LOCK_OWNER: owner, TAG_LOCK_EXPIRES: "2026-01-01T00:00:00.000000Z"},
    )
    return name


def _refuse_renames(registry: MlflowRegistry) -> None:
    def rename(*_a, **_k):
        raise MlflowException(STALE_UPDATE, error_code=BAD_REQUEST)

    registry.client.rename_registered_model = rename


def test_the_loser_of_a_lock_break_waits_for_the_winner(mlflow_url):
    name = _dead_lock(mlflow_url, "dead-host:1:cc")
    first, second = MlflowRegistry(mlflow_url), MlflowRegistry(mlflow_url)
    stale = second._lock_holder(name)  # both waiters read the dead holder's lock
    first._acquire(name, wait=False)  # the first renames it away and takes the lock
    reads = iter([stale])
    original = second._lock_holder
    second._lock_holder = lambda n: next(reads, None) or original(n)
    _refuse_renames(second)  # the second's rename of the row that is gone: BAD_REQUEST
    with pytest.raises(RegistryError, match="is held by") as err:
        second._acquire(name, wait=False)
    assert "cannot break" not in str(err.value)
    assert first._lock_holder(name)["owner"] == first.owner


def test_a_refused_break_of_a_lease_still_there_is_an_error(mlflow_url):
    name = _dead_lock(mlflow_url, "dead-host:1:dd")
    registry = MlflowRegistry(mlflow_url)
    _refuse_renames(registry)
    with pytest.raises(RegistryError, match="cannot break the promotion lock") as err:
        registry._acquire(name, wait=False)
    assert "expected to update 1 row" in str(err.value)
    assert registry._lock_holder(name)["owner"] == "dead-host:1:dd"  # untouched
