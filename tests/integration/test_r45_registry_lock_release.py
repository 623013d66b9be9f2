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
import uuid
from datetime import UTC, datetime, timedelta

from mlflow import MlflowClient

from ctloop.registry import (
    BROKEN_LOCK_PREFIX,
    LOCK_SUFFIX,
    TAG_LOCK_EXPIRES,
    TAG_LOCK_OWNER,
    MlflowRegistry,
)


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


def test_a_release_leaves_no_model_behind(mlflow_url):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    registry = MlflowRegistry(mlflow_url)
    with registry._locked(name):
        pass
    assert registry._lock_holder(name) is None
    left = client.search_registered_models(filter_string=f"name LIKE '{BROKEN_LOCK_PREFIX}%'")
    assert not [m for m in left if m.tags.get(TAG_LOCK_OWNER) == registry.owner]


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
    registry = MlflowRegistry(mlflow_url, lease_s=60)
    now = datetime.now(UTC)
    old = _broken(client, name, "dead:1:aa", now - timedelta(seconds=61))
    older = _broken(client, name, "dead:2:bb", now - timedelta(days=3))
    recent = _broken(client, name, "dead:3:cc", now - timedelta(seconds=5))
    others = _broken(client, other, "dead:4:dd", now - timedelta(days=3))
    renamed_live = f"{BROKEN_LOCK_PREFIX}{uuid.uuid4().hex}"  # a live lock a racing break renamed: name no digest
    client.create_registered_model(
        renamed_live,
        tags={TAG_LOCK_OWNER: "x:1:ee", TAG_LOCK_EXPIRES: "2020-01-01T00:00:00.000000Z"},
    )
    stranger = f"{BROKEN_LOCK_PREFIX}{uuid.uuid4().hex[:32]}"  # someone's own model, no lock tags
    client.create_registered_model(stranger)

    with registry._locked(name):
        pass
    left = {
        m.name
        for m in client.search_registered_models(
            filter_string=f"name LIKE '{BROKEN_LOCK_PREFIX}%'", max_results=1000
        )
    }
    assert old not in left and older not in left, "broken locks a lease old are removed"
    assert {recent, others, renamed_live, stranger} <= left

    later = MlflowRegistry(
        mlflow_url, lease_s=1
    )  # `ctloop registry repair` once the recent one is a lease old
    done = later.repair(name)
    assert any(recent in line and "dead:3:cc" in line for line in done), done
    assert [m for m, _ in later.broken_locks(name)] == []
    assert {m for m, _ in later.broken_locks(other)} == {others}
