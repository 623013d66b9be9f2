"""Two promotions waiting on one dead promotion lock failed about 1 in 40 with "has the name of the
promotion lock ... but is no ctloop lock (no tag ctloop.lock.owner)".

MLflow's SQL store reads a registered model's row and its tags in two queries (mlflow 3.17.2
``store/model_registry/sqlalchemy_store.py`` ``get_registered_model``: ``_get_registered_model(...,
eager=True)`` with ``subqueryload(SqlRegisteredModel.registered_model_tags)``). A waiter whose read
of the lock has the row from before another waiter's break (``rename_registered_model``: the tags
move to the broken-lock name with the row, ``onupdate="cascade"``) or release (a delete) and the tags
from after it gets the lock with no tags, and judged it someone else's model. Now a lock read with
no owner tag is read again before it is judged foreign; a model that keeps having no owner tag is
still refused.

Against the real MLflow server on loopback (the session's, ``tests/fixtures/servers.py``); only the
first read of the lock is replaced, by the answer that interleaving gives: the lock, no tags."""

from __future__ import annotations

import copy
import uuid

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST

from ctloop.registry import (
    LOCK_SUFFIX,
    TAG_LOCK_EXPIRES,
    TAG_LOCK_OWNER,
    MlflowRegistry,
    _ForeignLock,
)


def _model(mlflow_url: str, **lock_tags: str) -> str:
    name = f"f44f2-lock-{uuid.uuid4().hex[:8]}"
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    client.create_registered_model(name)
    client.create_registered_model(name + LOCK_SUFFIX, tags=lock_tags)
    return name


def _count_lock_reads(registry: MlflowRegistry, *, first_without_tags: bool) -> list[int]:
    """Wrap the registry's real client; the first read of a lock answers with no tags if asked."""
    real = registry.client.get_registered_model
    reads = [0]

    def get_registered_model(model_name):
        model = real(model_name)
        if model_name.endswith(LOCK_SUFFIX):
            reads[0] += 1
            if first_without_tags and reads[0] == 1:
                model = copy.copy(model)
                model._tags = {}  # the row read before the break, its tags after it
        return model

    registry.client.get_registered_model = get_registered_model
    return reads


def test_a_lock_read_without_its_tags_is_read_again(mlflow_url):
    name = _model(
        mlflow_url,
        **{TAG_LOCK_OWNER: "dead-host:1:ee", TAG_LOCK_EXPIRES: "2026-01-01T00:00:00.000000Z"},
    )
    registry = MlflowRegistry(mlflow_url)
    reads = _count_lock_reads(registry, first_without_tags=True)
    registry._acquire(name, wait=False)  # was: _ForeignLock
    assert reads[0] >= 2
    assert registry._lock_holder(name)["owner"] == registry.owner


def test_a_model_that_keeps_having_no_owner_tag_is_still_refused(mlflow_url):
    name = _model(mlflow_url)
    registry = MlflowRegistry(mlflow_url)
    reads = _count_lock_reads(registry, first_without_tags=False)
    with pytest.raises(_ForeignLock, match="no ctloop lock"):
        registry._acquire(name, wait=False)
    assert reads[0] >= 2  # read again before it was judged foreign
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    assert client.get_registered_model(name + LOCK_SUFFIX).tags == {}  # untouched


def test_a_lock_create_refused_as_not_found_is_tried_again(mlflow_url):
    """The other race of two waiters on a dead lock (seen once in 40 promotions on main): the create
    of the lock collides with the lock another waiter breaks or releases a moment later, and MLflow
    answers the create with the read back it does on a taken name (mlflow 3.17.2
    ``sqlalchemy_store.py`` ``create_registered_model``: ``IntegrityError`` ->
    ``get_registered_model``), which by then finds nothing: RESOURCE_DOES_NOT_EXIST. That failed the
    promotion ("cannot take the promotion lock"); the lock is free, so it is taken."""
    name = _model(mlflow_url)
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    client.delete_registered_model(name + LOCK_SUFFIX)  # broken or released by the other waiter
    registry = MlflowRegistry(mlflow_url)
    real, creates = registry.client.create_registered_model, [0]

    def create_registered_model(model_name, *args, **kwargs):
        creates[0] += 1
        if creates[0] == 1:
            raise MlflowException(
                f"Registered Model with name={model_name} not found",
                error_code=RESOURCE_DOES_NOT_EXIST,
            )
        return real(model_name, *args, **kwargs)

    registry.client.create_registered_model = create_registered_model
    registry._acquire(name, wait=False)  # was: RegistryError "cannot take the promotion lock"
    assert creates[0] == 2
    assert registry._lock_holder(name)["owner"] == registry.owner
