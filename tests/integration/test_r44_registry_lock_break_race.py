"""Two promotions waiting on a dead holder's lock both broke it, and both then held it.

The promotion lock of a model is the registered model ``<name>.ctloop-promotion-lock`` (created with its
owner and lease as tags: a create of a taken name fails, so one creator wins). A lock whose lease ended is
a dead holder's, and a waiter breaks it. Breaking was a delete by name after a read: two waiters that both
read the dead holder's lock broke it one after the other — the second deleted the lock the first had just
taken in its place — and both promoted at once (the champion alias last-writer-wins; the losing promotion's
read-back aborts it, after its intent and its writes). Now the break is a rename of the lock to a name drawn
from the dead holder's lease (``ctloop-broken-lock-<digest>``): MLflow refuses a rename onto a taken name
(mlflow 3.17.2 ``store/model_registry/sqlalchemy_store.py`` ``rename_registered_model``: IntegrityError ->
RESOURCE_ALREADY_EXISTS), so only one waiter breaks a given lease, and the other sees the new holder.

Against the real MLflow server on loopback (the session's, ``tests/fixtures/servers.py``)."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.errors import RegistryError
from ctloop.registry import LOCK_SUFFIX, TAG_LOCK_EXPIRES, TAG_LOCK_OWNER, MlflowRegistry


def test_a_stale_waiter_does_not_break_the_new_holders_lock(mlflow_url):
    name = f"r44-lock-{uuid.uuid4().hex[:8]}"
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    client.create_registered_model(name)
    client.create_registered_model(
        name + LOCK_SUFFIX,
        tags={TAG_LOCK_OWNER: "dead-host:1:aa", TAG_LOCK_EXPIRES: "2026-01-01T00:00:00.000000Z"},
    )
    first, second = MlflowRegistry(mlflow_url), MlflowRegistry(mlflow_url)
    stale = second._lock_holder(name)  # the second waiter reads the dead holder's lock...
    assert stale is not None and stale["expired"] == "true"
    first._acquire(name, wait=False)  # ...the first breaks it and takes the lock...
    assert first._lock_holder(name)["owner"] == first.owner

    reads = iter([stale])  # ...and the second goes on from what it read
    original = second._lock_holder
    second._lock_holder = lambda n: next(reads, None) or original(n)
    with pytest.raises(RegistryError, match="is held by"):
        second._acquire(name, wait=False)
    assert first._lock_holder(name)["owner"] == first.owner  # still the first's: one holder


def test_a_broken_lease_is_kept_under_its_own_name(mlflow_url):
    name = f"r44-lock-{uuid.uuid4().hex[:8]}"
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    client.create_registered_model(name)
    client.create_registered_model(
        name + LOCK_SUFFIX,
        tags={TAG_LOCK_OWNER: "dead-host:1:bb", TAG_LOCK_EXPIRES: "2026-01-01T00:00:00.000000Z"},
    )
    registry = MlflowRegistry(mlflow_url)
    registry._acquire(name, wait=False)
    assert registry._lock_holder(name)["owner"] == registry.owner
    broken = [
        m
        for m in client.search_registered_models()
        if m.tags.get(TAG_LOCK_OWNER) == "dead-host:1:bb"
    ]
    assert len(broken) == 1 and broken[0].name.startswith("ctloop-broken-lock-"), [
        m.name for m in broken
    ]
