"""The end of a promotion removed the promotion lock by name after a read, and broken locks piled up.

A promotion holds the lock ``<name>.ctloop-promotion-lock`` (a registered model whose tags are its owner and
the end of its lease); a waiter that finds the lease ended breaks it by renaming it to
``ctloop-broken-lock-<digest of that lease>`` (MLflow refuses a rename onto a taken name: one break per
lease). Two defects:

* Release read the lock, saw its own owner, then deleted the lock *by name*. When its lease had ended
  during the promotion and a waiter broke it and took the lock between that read and the delete, the
  delete removed the new holder's lock, and a third promotion could run beside the new holder. Release is
  now a rename to the name of its own lease (the name a breaker would have used, so a broken lease refuses
  it), then a delete of what was renamed only if it carries its own lease.
* Every broken lease stayed in the registry (and the MLflow UI) as a ``ctloop-broken-lock-*`` model for
  ever. A promotion and ``ctloop registry repair`` now remove those of their model whose lease ended more
  than a lease ago (a broken lease is read only right after it ended), never a live lock, a lease that
  ended lately, a model whose name is not the digest of its own tags, or another model's.

Against the real MLflow server on loopback (the session's, ``tests/fixtures/servers.py``)."""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from mlflow import MlflowClient

from ctloop.errors import RegistryError
from ctloop.registry import (
    BROKEN_LOCK_PREFIX,
    LOCK_SUFFIX,
    TAG_LOCK_EXPIRES,
    TAG_LOCK_OWNER,
    MlflowRegistry,
)

LEASE_S = 0.25  # short, so that "a lease later" is a short wait (the product's: DEFAULT_LEASE_S)


def _model(client: MlflowClient) -> str:
    name = f"r45-release-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    return name


def _stale_first_read(registry: MlflowRegistry, stale: dict[str, str]) -> None:
    """The registry's next read of the lock answers what an earlier read found (the read before a break)."""
    reads = iter([stale])
    original = registry._lock_holder
    registry._lock_holder = lambda n: next(reads, None) or original(n)


def test_release_after_the_lease_was_broken_keeps_the_new_holders_lock(mlflow_url):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    first, second = MlflowRegistry(mlflow_url), MlflowRegistry(mlflow_url)
    with first._locked(name):
        mine = first._lock_holder(name)
        # the first's lease ended mid-promotion: the second breaks it and takes the lock...
        assert second._break_lease(name, mine)
        second._acquire(name, wait=False)
        _stale_first_read(first, mine)  # ...right after the first read its own lease at the end
    held = second._lock_holder(name)
    assert held is not None and held["owner"] == second.owner, held
    with second._locked(name):
        pass
    assert second._lock_holder(name) is None


def test_release_puts_back_a_lock_taken_after_ours_was_removed_by_hand(mlflow_url):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    first, third = MlflowRegistry(mlflow_url), MlflowRegistry(mlflow_url)
    with first._locked(name):
        mine = first._lock_holder(name)
        client.delete_registered_model(
            name + LOCK_SUFFIX
        )  # `repair --break-lock` by an operator...
        third._acquire(name, wait=False)  # ...and another promotion took the lock
        _stale_first_read(first, mine)
    held = third._lock_holder(name)
    assert held is not None and held["owner"] == third.owner, held
    assert not [m for m in first.broken_locks(name) if m[1]["owner"] == third.owner]


def test_a_release_leaves_only_its_lease_for_the_sweep(mlflow_url):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    registry = MlflowRegistry(mlflow_url)
    with registry._locked(name):
        lease = registry._lock_holder(name)
    assert registry._lock_holder(name) is None
    left = client.search_registered_models(filter_string=f"name LIKE '{BROKEN_LOCK_PREFIX}%'")
    # kept under its lease's name until a sweep a lease later (tests/integration/test_fix45f_registry_release_race.py)
    assert [m.name for m in left if m.tags.get(TAG_LOCK_OWNER) == registry.owner] == [
        registry._broken_name(name, lease)
    ]


def _broken(client: MlflowClient, name: str, owner: str, ended: datetime) -> str:
    expires = ended.strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ"
    )  # named as a break names it (r44: _break_lease)
    model = (
        BROKEN_LOCK_PREFIX
        + hashlib.sha256(f"{name}{LOCK_SUFFIX}\0{owner}\0{expires}".encode()).hexdigest()[:32]
    )
    client.create_registered_model(model, tags={TAG_LOCK_OWNER: owner, TAG_LOCK_EXPIRES: expires})
    return model


def test_promotion_and_repair_remove_broken_locks_a_lease_old(mlflow_url):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name, other = _model(client), _model(client)
    now = datetime.now(UTC)
    old = _broken(client, name, "dead:1:aa", now - timedelta(seconds=61))
    older = _broken(client, name, "dead:2:bb", now - timedelta(days=3))
    live = _broken(
        client, name, "dead:3:cc", now + timedelta(hours=1)
    )  # `--break-lock` of a lease not ended
    others = _broken(client, other, "dead:4:dd", now - timedelta(days=3))
    renamed_live = f"{BROKEN_LOCK_PREFIX}{uuid.uuid4().hex}"  # a live lock a racing break renamed: name no digest
    client.create_registered_model(
        renamed_live,
        tags={TAG_LOCK_OWNER: "x:1:ee", TAG_LOCK_EXPIRES: "2020-01-01T00:00:00.000000Z"},
    )
    stranger = f"{BROKEN_LOCK_PREFIX}{uuid.uuid4().hex[:32]}"  # someone's own model, no lock tags
    client.create_registered_model(stranger)

    def left() -> set[str]:
        found = client.search_registered_models(
            filter_string=f"name LIKE '{BROKEN_LOCK_PREFIX}%'", max_results=1000
        )
        return {m.name for m in found}

    promoting = MlflowRegistry(mlflow_url, lease_s=60)
    with promoting._locked(name):
        released = promoting._broken_name(name, promoting._lock_holder(name))
    # broken a moment ago (now), however long ago their leases ended: a waiter may still be about to rename
    assert {old, older, live, others, renamed_live, stranger} <= left()

    time.sleep(LEASE_S + 0.1)  # `ctloop registry repair` once they were broken a lease ago
    later = MlflowRegistry(mlflow_url, lease_s=LEASE_S)
    done = later.repair(name)
    assert sorted(line.split()[5] for line in done) == sorted([old, older]), done
    # and the promotion's released lease, kept until a lease after its end (fix45f)
    assert sorted(m for m, _ in later.broken_locks(name)) == sorted([live, released])
    assert {live, others, renamed_live, stranger} <= left() and not {old, older} & left()


def test_break_lock_breaks_the_lease_it_read_and_not_the_next_holders(mlflow_url):
    """`ctloop registry repair --break-lock` read the lock, then deleted it by name: a lock another
    promotion took after that read (the dead holder's lease ended, a waiter broke it) was deleted while
    the repair said it broke the dead holder's. It now breaks the lease it read, as a waiter does."""
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    client.create_model_version(
        name, source="s3://ctloop-r45/model"
    )  # not read: no model is loaded
    client.create_registered_model(
        name + LOCK_SUFFIX,
        tags={TAG_LOCK_OWNER: "dead-host:1:ff", TAG_LOCK_EXPIRES: "2026-01-01T00:00:00.000000Z"},
    )
    operator, waiter = MlflowRegistry(mlflow_url, lock_timeout_s=0), MlflowRegistry(mlflow_url)
    inspect = operator.inspect

    def inspect_then_a_waiter_takes_the_lock(model):
        state = inspect(model)  # the repair reads the dead holder's lock...
        waiter._acquire(
            model, wait=False
        )  # ...and a waiting promotion breaks it and takes the lock
        return state

    operator.inspect = inspect_then_a_waiter_takes_the_lock
    with pytest.raises(
        RegistryError, match="is held by"
    ):  # then it waits for the live holder (not at all here)
        operator.repair(name, break_lock=True)
    held = waiter._lock_holder(name)
    assert held is not None and held["owner"] == waiter.owner, held
