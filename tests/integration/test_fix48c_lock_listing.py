"""Each promotion listed the released promotion locks of every model in the registry.

A promotion lets go of its lock by renaming it to ``ctloop-broken-lock-<digest of its lease>``, kept a lease
(fix45f) and removed by a later promotion of that model or by ``ctloop registry repair``. So every model keeps
one between its promotions, and a model no longer promoted keeps its last one. The sweep at the end of each
promotion listed every ``ctloop-broken-lock-%`` model of the whole registry (100 a page) to pick its own by
digest: with 250 models promoted once, a promotion read 3 pages of search, and one more page per 100 models
ever promoted. The lock is now tagged with its model when it is taken (``ctloop.lock.model``, in the same
create) and a promotion lists by that tag; repair still lists the whole registry (1,000 a page), which also
finds the untagged leases of locks taken before the tag.

Against the real MLflow server on loopback (the session's, ``tests/fixtures/servers.py``)."""

from __future__ import annotations

import hashlib
import time
import uuid

from mlflow import MlflowClient

from ctloop.registry import (
    BROKEN_LOCK_PREFIX,
    LOCK_SUFFIX,
    TAG_LOCK_EXPIRES,
    TAG_LOCK_OWNER,
    MlflowRegistry,
)

LEASE_S = 0.25  # short, so that "a lease later" is a short wait (the product's: DEFAULT_LEASE_S)


def _model(client: MlflowClient, name: str = "fix48c") -> str:
    name = f"{name}-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    return name


def _listed(registry: MlflowRegistry) -> list[str]:
    """The names the searches of ``registry``'s registered models answer, from now on."""
    seen: list[str] = []
    search = registry.client.search_registered_models

    def recorded(*args, **kwargs):
        page = search(*args, **kwargs)
        seen.extend(m.name for m in page)
        return page

    registry.client.search_registered_models = recorded
    return seen


def test_a_promotions_sweep_lists_only_its_own_models_leases(mlflow_url):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name, other = _model(client), _model(client)
    elsewhere = MlflowRegistry(mlflow_url)
    with elsewhere._locked(other):  # another model promoted: its released lease stays a lease
        lease = elsewhere._lock_holder(other)
    others = elsewhere._broken_name(other, lease)
    registry = MlflowRegistry(mlflow_url)
    listed = _listed(registry)
    with registry._locked(name):
        mine = registry._broken_name(name, registry._lock_holder(name))
    assert listed == [mine], listed  # was: every model's, here {others} and the session's
    assert others in [m for m, _ in registry.broken_locks(other)]  # repair's listing still finds it


def test_a_promotion_sweeps_its_models_aged_leases_and_repair_the_untagged_ones(mlflow_url):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    registry = MlflowRegistry(mlflow_url, lease_s=LEASE_S)
    with registry._locked(name):
        first = registry._broken_name(name, registry._lock_holder(name))
    # the broken lease of a lock taken by ctloop before the model tag: its owner and end only
    owner, expires = "old-host:1:aa", "2026-01-01T00:00:00.000000Z"
    untagged = (
        BROKEN_LOCK_PREFIX
        + hashlib.sha256(f"{name}{LOCK_SUFFIX}\0{owner}\0{expires}".encode()).hexdigest()[:32]
    )
    client.create_registered_model(
        untagged, tags={TAG_LOCK_OWNER: owner, TAG_LOCK_EXPIRES: expires}
    )
    # both kept a lease; a lease is swept a lease after its end (acquired + lease_s): 2 x lease_s
    # after the first was taken, whatever the machine's speed (1.2 x lease_s failed on a fast one)
    time.sleep(2 * LEASE_S + 0.1)
    with registry._locked(name):
        second = registry._broken_name(name, registry._lock_holder(name))
    left = [m for m, _ in registry.broken_locks(name)]
    # the promotion swept its model's aged lease (first), not the untagged one it does not list
    assert first not in left and sorted(left) == sorted([second, untagged]), (first, left)
    done = registry.repair(name)
    assert any(
        line.startswith(f"removed the broken promotion lock {untagged} ") for line in done
    ), done
    assert untagged not in [m for m, _ in registry.broken_locks(name)]


def test_a_model_name_with_a_quote_lists_its_own_lease(mlflow_url):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client, "fix48c-o'brien")
    registry = MlflowRegistry(mlflow_url)
    with registry._locked(name):
        mine = registry._broken_name(name, registry._lock_holder(name))
    assert [m for m, _ in registry.broken_locks(name, tagged_only=True)] == [mine]
