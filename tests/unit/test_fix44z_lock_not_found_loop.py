"""Round 44 retried a promotion-lock create answered "not found" (the lock broken or released
between the store's insert and its read-back: a race lost). With no lock to read either, the
retry skipped the deadline and the pause: a store that keeps answering so (seen: 2,000 creates in
0.05 s) spun forever. A few such answers in a row are an error again, naming the answer.

A double of MlflowClient's two calls the lock makes (mlflow 3.17.2 ``MlflowClient``
``create_registered_model`` / ``get_registered_model``): no server answers "not found" to a create
on purpose."""

from __future__ import annotations

import pytest
from mlflow.entities.model_registry import RegisteredModel, RegisteredModelTag
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import RESOURCE_ALREADY_EXISTS, RESOURCE_DOES_NOT_EXIST

from ctloop.errors import RegistryError
from ctloop.registry import LOCK_NOT_FOUND_TRIES, TAG_LOCK_EXPIRES, TAG_LOCK_OWNER, MlflowRegistry


class NotFoundClientDouble:
    def __init__(self, limit: int = 100):
        self.creates, self.limit = 0, limit

    def create_registered_model(self, name, **_):
        self.creates += 1
        if self.creates > self.limit:
            raise AssertionError("still retrying")
        raise MlflowException(f"Registered Model with name={name} not found", RESOURCE_DOES_NOT_EXIST)

    def get_registered_model(self, name):
        raise MlflowException(f"Registered Model with name={name} not found", RESOURCE_DOES_NOT_EXIST)


def test_creates_answered_not_found_with_no_lock_end_in_one_error():
    registry = object.__new__(MlflowRegistry)
    registry.client, registry.lock_timeout_s, registry.lease_s, registry.owner = (
        NotFoundClientDouble(), 60.0, 300.0, "me")  # fmt: skip
    with pytest.raises(RegistryError, match=r"cannot take the promotion lock of 'm': .*not found"):
        registry._acquire("m", wait=True)
    assert registry.client.creates == LOCK_NOT_FOUND_TRIES


class RacesThenHeldDouble(NotFoundClientDouble):
    """Each release races the create once ("not found", no lock), then another waiter holds it."""

    def create_registered_model(self, name, **_):
        self.creates += 1
        if self.creates > self.limit:
            raise AssertionError("still waiting")  # the waiter outlived the races: what we want
        if self.creates % 2:
            raise MlflowException(f"Registered Model with name={name} not found", RESOURCE_DOES_NOT_EXIST)
        raise MlflowException(f"Registered Model (name={name}) already exists.", RESOURCE_ALREADY_EXISTS)

    def get_registered_model(self, name):
        if self.creates % 2:
            raise MlflowException(f"Registered Model with name={name} not found", RESOURCE_DOES_NOT_EXIST)
        return RegisteredModel(name, tags=[RegisteredModelTag(TAG_LOCK_OWNER, "other"),
                                           RegisteredModelTag(TAG_LOCK_EXPIRES, "2999-01-01T00:00:00.000000Z")])


def test_races_lost_between_waits_on_a_held_lock_are_not_counted_in_a_row(monkeypatch):
    monkeypatch.setattr("ctloop.registry.time.sleep", lambda _: None)
    registry = object.__new__(MlflowRegistry)
    registry.client, registry.lock_timeout_s, registry.lease_s, registry.owner = (
        RacesThenHeldDouble(limit=4 * LOCK_NOT_FOUND_TRIES), 3600.0, 300.0, "me")  # fmt: skip
    with pytest.raises(AssertionError, match="still waiting"):
        registry._acquire("m", wait=True)
