"""A clean promotion's released lock was worded, warned of and counted as a broken one.

Since fix45f a promotion releases its lock by renaming it to ``ctloop-broken-lock-<digest of its lease>``
and a sweep a lease later deletes it. Three defects followed:

* On a multi-user MLflow (``mlflow server --app-name basic-auth``) the rename gives the releaser MANAGE on
  the renamed lock, and a delete needs MANAGE (mlflow 3.17.2 ``server/auth/__init__.py``: the rename moves
  the registered model's permissions; ``server/auth/permissions.py``: delete needs MANAGE). So every clean
  promotion left a lock the next user could not delete: each of that user's processes warned "could not
  remove the broken promotion lock", and ``ctloop registry repair`` printed it as a note. A released lock is
  now tagged ``ctloop.lock.released``; a permission refusal on one is silent in a promotion (its releaser's
  next promotion or repair removes it) and repair notes it only once it is older than a day.
* ``ctloop registry repair`` reported "removed the broken promotion lock …" and "<model>: repaired" a lease
  after every clean promotion. A released lock removed is now a "cleaned up" line, and no repair.
* Any failed delete (a 503 too) got the MANAGE advice and was said once per process; only a permission
  refusal gets it, and only a permission refusal is remembered.

Against the real MLflow server on loopback (the session's, ``tests/fixtures/servers.py``); the refusals are
the doubles: a delete answered PERMISSION_DENIED (HTTP 403), as MLflow's auth answers it, or
TEMPORARILY_UNAVAILABLE (HTTP 503), as MLflow's client raises a gateway's 503 after its retries."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException, get_error_code

import ctloop.registry as registry_module
from ctloop.registry import (
    BROKEN_LOCK_PREFIX,
    LOCK_SUFFIX,
    TAG_LOCK_EXPIRES,
    TAG_LOCK_MODEL,
    TAG_LOCK_OWNER,
    MlflowRegistry,
)


def _model(client: MlflowClient) -> str:
    name = f"fix45f2-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    return name


# A short lease, so that "a lease later" is a short wait (the product's default is DEFAULT_LEASE_S).
# A wait is a lower bound, whatever the machine's load: a lease ended LEASE_S after it was taken, and
# a released or broken lock is swept a lease after max(its end, its rename), so 2 x LEASE_S after it
# was taken. KEPT_LEASE_S is the lease of a registry whose own released lock must still be kept when
# the test's repair runs (2 x KEPT_LEASE_S after that promotion took it, on a loaded machine too).
LEASE_S = 0.25
KEPT_LEASE_S = 1.0
MARGIN_S = 0.1


def _refuse_delete(registry: MlflowRegistry, model: str, status: int, body: str) -> None:
    """The delete of ``model`` answered HTTP ``status``, raised as MLflow's client raises an answer that is
    no MLflow JSON (mlflow 3.17.2 ``utils/rest_utils.py`` ``verify_rest_response``; the auth app answers a
    refusal with the text "Permission denied", ``server/auth/__init__.py``), beneath ctloop's client."""
    mlflow_client = registry.client._client
    delete = mlflow_client.delete_registered_model

    def refused(target):
        if target == model:
            raise MlflowException(
                "API request to endpoint /api/2.0/mlflow/registered-models/delete failed with error code "
                f"{status} != 200. Response body: '{body}'",
                error_code=get_error_code(status),
            )
        return delete(target)

    mlflow_client.delete_registered_model = refused


def _released_by_another_user(mlflow_url: str, name: str) -> tuple[MlflowRegistry, str]:
    """A lock ``alice`` released after a clean promotion, and ``bob``, who may not delete it (403)."""
    alice = MlflowRegistry(mlflow_url, lease_s=LEASE_S)
    with alice._locked(name):
        lease = alice._lock_holder(name)
    released = alice._broken_name(name, lease)
    bob = MlflowRegistry(mlflow_url, lease_s=KEPT_LEASE_S)
    bob.owner = "bob@other-host:2:bb"
    _refuse_delete(bob, released, 403, "Permission denied")  # mlflow auth: no MANAGE
    time.sleep(LEASE_S + KEPT_LEASE_S + MARGIN_S)  # alice's lease ended, and a lease of bob's more
    return bob, released


def test_another_users_released_lock_is_silent_in_a_promotion_and_in_a_fresh_repair(
    mlflow_url, caplog
):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    bob, released = _released_by_another_user(mlflow_url, name)
    with caplog.at_level(logging.WARNING, logger="ctloop.registry"):
        with bob._locked(name):
            pass
    assert not [r.getMessage() for r in caplog.records if released in r.getMessage()]
    assert bob.repair(name) == []
    assert released in [m for m, _ in bob.broken_locks(name)]  # left for its releaser


def test_repair_notes_another_users_released_lock_once_it_is_old(mlflow_url, monkeypatch):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    bob, released = _released_by_another_user(mlflow_url, name)
    monkeypatch.setattr(registry_module, "RELEASED_LOCK_NOTE_AFTER_S", KEPT_LEASE_S)  # a day, shortened
    done = bob.repair(name)
    assert len(done) == 1 and done[0].startswith(
        f"note: could not remove the released promotion lock {released}"
    ), done
    assert (
        "broken promotion lock" not in done[0]
        and "MANAGE" not in done[0]
        and "the MLflow user that released it" in done[0]
    ), done


def test_repair_after_a_clean_promotion_cleans_up_and_says_nothing_to_repair(
    mlflow_url, monkeypatch, capsys
):
    import ctloop.cli.registry as cli
    from ctloop.cli import main

    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    client.create_model_version(
        name, source="s3://ctloop-fix45f2/model"
    )  # not read: no model is loaded
    registry = MlflowRegistry(mlflow_url, lease_s=LEASE_S)
    with registry._locked(name):
        lease = registry._lock_holder(name)
    time.sleep(2 * LEASE_S + MARGIN_S)
    monkeypatch.setattr(cli, "_registry", lambda args: registry)
    assert main(["registry", "repair", "--model-name", name, "--tracking-uri", mlflow_url]) == 0
    out = capsys.readouterr().out
    assert (
        f"  cleaned up the released promotion lock {registry._broken_name(name, lease)}" in out
    ), out
    assert "broken promotion lock" not in out and "removed" not in out, out
    assert f"{name}: nothing to repair; champion none" in out, out
    assert registry.broken_locks(name) == []


def _broken_lock(registry: MlflowRegistry, name: str, owner: str) -> str:
    expires = "2026-01-01T00:00:00.000000Z"
    model = (
        BROKEN_LOCK_PREFIX
        + hashlib.sha256(f"{name}{LOCK_SUFFIX}\0{owner}\0{expires}".encode()).hexdigest()[:32]
    )
    registry.client.create_registered_model(
        model, tags={TAG_LOCK_OWNER: owner, TAG_LOCK_EXPIRES: expires, TAG_LOCK_MODEL: name}
    )
    return model


def test_a_transient_failure_gets_no_permission_advice_and_is_said_each_time(mlflow_url, caplog):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    registry = MlflowRegistry(mlflow_url, lease_s=KEPT_LEASE_S)  # its own released lock kept for the repair
    model = _broken_lock(registry, name, f"dead-{uuid.uuid4().hex[:6]}@host:1:aa")
    _refuse_delete(registry, model, 503, "Service Unavailable")
    time.sleep(KEPT_LEASE_S + MARGIN_S)
    with caplog.at_level(logging.WARNING, logger="ctloop.registry"):
        for _ in range(2):
            with registry._locked(name):
                pass
    said = [r.getMessage() for r in caplog.records if model in r.getMessage()]
    assert len(said) == 2, said
    assert all("MANAGE" not in s and "once" not in s and "tries again" in s for s in said), said
    assert not [p for p in registry_module._SWEEP_REFUSALS_SAID if model in p]
    done = registry.repair(name)
    assert len(done) == 1 and "MANAGE" not in done[0] and "tries again" in done[0], done


def test_a_broken_lock_refused_for_permission_keeps_the_manage_advice(mlflow_url, caplog):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = _model(client)
    registry = MlflowRegistry(mlflow_url, lease_s=LEASE_S)
    model = _broken_lock(registry, name, f"dead-{uuid.uuid4().hex[:6]}@host:1:aa")
    _refuse_delete(registry, model, 403, "Permission denied")
    time.sleep(LEASE_S + MARGIN_S)
    with caplog.at_level(logging.WARNING, logger="ctloop.registry"):
        for _ in range(2):
            with registry._locked(name):
                pass
    said = [r.getMessage() for r in caplog.records if model in r.getMessage()]
    assert len(said) == 1 and "MANAGE" in said[0] and "broken promotion lock" in said[0], said
