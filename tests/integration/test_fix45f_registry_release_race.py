"""A released promotion lock's name was freed at once, and an undeletable broken lock failed every repair.

A promotion releases its lock ``<name>.ctloop-promotion-lock`` by renaming it to the name of its own lease
(``ctloop-broken-lock-<digest of the lease>``, the name a waiter breaking that lease renames it to: MLflow
refuses a rename onto a taken name, so a lease is broken or released once). Release then deleted that name
at once, freeing it: a waiter (or ``ctloop registry repair --break-lock``) that had read the lease just
before the release, ended, could still rename the lock a newer promotion took since then, and two
promotions ran at once. The released name is now kept and swept a lease later, as a broken one is.

A broken lock the sweep cannot delete (MLflow's auth: a rename needs EDIT, a delete MANAGE) made every
``ctloop registry repair`` fail, on a consistent model too, and every promotion warn. Repair now reports it
as a note; a process warns of it once.

Against the real MLflow server on loopback (the session's, ``tests/fixtures/servers.py``); the permission
refusal is the one double: a delete answered PERMISSION_DENIED, as MLflow's auth answers it (HTTP 403)."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import PERMISSION_DENIED

from ctloop.errors import RegistryError
from ctloop.registry import (
    BROKEN_LOCK_PREFIX,
    LOCK_SUFFIX,
    TAG_LOCK_EXPIRES,
    TAG_LOCK_MODEL,
    TAG_LOCK_OWNER,
    MlflowRegistry,
)


def _model(client: MlflowClient) -> str:
    name = f"fix45f-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    return name


# A short lease, so that "a lease later" is a short wait (the product's default is DEFAULT_LEASE_S).
# A wait is a lower bound, whatever the machine's load: a lease ended LEASE_S after it was taken, and
# a released or broken lock is swept a lease after max(its end, its rename), so 2 x LEASE_S after it
# was taken.
LEASE_S = 0.25
MARGIN_S = 0.1


def test_a_waiter_that_read_the_ended_lease_before_the_release_breaks_nothing(mlflow_url):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    first, waiter, second = (
        MlflowRegistry(mlflow_url, lease_s=LEASE_S),
        MlflowRegistry(mlflow_url),
        MlflowRegistry(mlflow_url),
    )
    first._acquire(name, wait=False)
    time.sleep(LEASE_S + MARGIN_S)  # the first promotion overran its lease...
    seen = waiter._lock_holder(name)  # ...and a waiter read it, ended
    assert seen is not None and seen["expired"] == "true", seen
    first._release(name)  # (its sweep, a lease after: not what is tested here)
    second._acquire(name, wait=False)  # released; the next promotion takes the lock
    assert not waiter._break_lease(name, seen)  # the waiter's break of what it read: a race lost
    held = second._lock_holder(name)
    assert held is not None and held["owner"] == second.owner, held


def test_break_lock_after_the_holder_released_leaves_the_next_holders_lock(mlflow_url):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    first, second = MlflowRegistry(mlflow_url), MlflowRegistry(mlflow_url)
    operator = MlflowRegistry(mlflow_url, lock_timeout_s=0)
    promotion = first._locked(name)
    promotion.__enter__()
    inspect = operator.inspect

    def inspect_then_the_holder_releases_and_another_takes(model):
        state = inspect(model)  # `repair --break-lock` reads the first promotion's lock...
        if not hasattr(operator, "_raced"):
            operator._raced = True
            promotion.__exit__(None, None, None)  # ...which ends and releases it...
            second._acquire(model, wait=False)  # ...and the next promotion takes the lock
        return state

    operator.inspect = inspect_then_the_holder_releases_and_another_takes
    with pytest.raises(RegistryError, match=f"held by {second.owner}"):
        operator.repair(name, break_lock=True)
    held = second._lock_holder(name)
    assert held is not None and held["owner"] == second.owner, held


def test_a_released_lease_is_kept_under_its_name_and_swept_a_lease_later(mlflow_url):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    registry = MlflowRegistry(mlflow_url, lease_s=LEASE_S)
    with registry._locked(name):
        lease = registry._lock_holder(name)
    assert registry._lock_holder(name) is None
    assert [m for m, _ in registry.broken_locks(name)] == [registry._broken_name(name, lease)]
    time.sleep(2 * LEASE_S + MARGIN_S)  # the lease ended (a lease after it was taken), and a lease more
    done = registry.repair(name)
    assert len(done) == 1 and done[0].startswith(
        f"cleaned up the released promotion lock {registry._broken_name(name, lease)} (released by "
        f"{registry.owner} at "
    ), done
    assert registry.broken_locks(name) == []


def _undeletable_broken_lock(registry: MlflowRegistry, name: str) -> str:
    """A broken lease of ``name``'s lock ended long ago, which ``registry`` may rename but not delete."""
    expires, owner = "2026-01-01T00:00:00.000000Z", "other-user-host:1:aa"
    model = (
        BROKEN_LOCK_PREFIX
        + hashlib.sha256(f"{name}{LOCK_SUFFIX}\0{owner}\0{expires}".encode()).hexdigest()[:32]
    )
    registry.client.create_registered_model(
        model, tags={TAG_LOCK_OWNER: owner, TAG_LOCK_EXPIRES: expires, TAG_LOCK_MODEL: name}
    )
    delete = registry.client.delete_registered_model

    def refused(
        target,
    ):  # mlflow 3.17.2 server/auth/permissions.py: a delete needs MANAGE, a rename EDIT
        if target == model:
            raise MlflowException("Permission denied", error_code=PERMISSION_DENIED)
        return delete(target)

    registry.client.delete_registered_model = refused
    return model


def test_repair_of_a_consistent_model_reports_a_broken_lock_it_cannot_delete(mlflow_url):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    registry = MlflowRegistry(mlflow_url, lease_s=LEASE_S)
    model = _undeletable_broken_lock(registry, name)
    time.sleep(LEASE_S + MARGIN_S)  # created (renamed) a lease ago
    assert registry.inspect(name).consistent
    done = registry.repair(name)
    assert len(done) == 1 and done[0].startswith(
        f"note: could not remove the broken promotion lock {model}"
    ), done
    assert "Permission denied" in done[0] and "MANAGE" in done[0], done


def test_a_broken_lock_that_cannot_be_deleted_is_warned_once_per_process(mlflow_url, caplog):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    registry = MlflowRegistry(mlflow_url, lease_s=LEASE_S)
    model = _undeletable_broken_lock(registry, name)
    time.sleep(LEASE_S + MARGIN_S)
    with caplog.at_level(logging.WARNING, logger="ctloop.registry"):
        for _ in range(3):  # three promotions of the process
            with registry._locked(name):
                pass
    said = [r.getMessage() for r in caplog.records if model in r.getMessage()]
    assert len(said) == 1 and "once" in said[0], said


def test_the_cli_prints_the_note_and_says_nothing_was_repaired(mlflow_url, monkeypatch, capsys):
    import ctloop.cli.registry as cli
    from ctloop.cli import main

    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    client.create_model_version(
        name, source="s3://ctloop-fix45f/model"
    )  # not read: no model is loaded
    registry = MlflowRegistry(mlflow_url, lease_s=LEASE_S)
    model = _undeletable_broken_lock(registry, name)
    time.sleep(LEASE_S + MARGIN_S)
    monkeypatch.setattr(cli, "_registry", lambda args: registry)
    assert main(["registry", "repair", "--model-name", name, "--tracking-uri", mlflow_url]) == 0
    out = capsys.readouterr().out
    assert f"  note: could not remove the broken promotion lock {model}" in out, out
    assert f"{name}: nothing to repair; champion none" in out, out
