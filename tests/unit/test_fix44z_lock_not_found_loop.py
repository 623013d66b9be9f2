"""Round 44 retried a promotion-lock create answered "not found" (the lock broken or released
between the store's insert and its read-back: a race lost). With no lock to read either, the
retry skipped the deadline and the pause: a store that keeps answering so (seen: 2,000 creates in
0.05 s) spun forever. A few such answers in a row are an error again, naming the answer.

A double of MlflowClient's two calls the lock makes (mlflow 3.17.2 ``MlflowClient``
``create_registered_model`` / ``get_registered_model``): no server answers "not found" to a create
on purpose."""

from __future__ import annotations

import pytest
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST

from ctloop.errors import RegistryError
from ctloop.registry import LOCK_NOT_FOUND_TRIES, MlflowRegistry


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
