"""A promotion's own sweep deleted the lock it had just released when releasing took longer than a lease.

``_locked`` releases the lock (renamed to the lease's own name, read back, tagged released) and then
sweeps the model's released and broken leases older than a lease. The rename's time is MLflow's
``last_updated_timestamp``; when the read-back and the tag took longer than a lease, the sweep found its
own just-released lock "a lease old" and deleted it, freeing the name a waiter that read the ended lease
just before the release could rename onto (``_release``'s docstring: "deleted a lease later"). Found by
review 50 D as the cause of the crash sweep's flaky last case under load
(tests/integration/test_promotion_protocol.py). Against the real MLflow server on loopback."""

from __future__ import annotations

import time
import uuid

from mlflow import MlflowClient

from ctloop.registry import MlflowRegistry


def test_the_promotions_own_sweep_keeps_the_lock_it_just_released(mlflow_url):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = f"r50-own-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    registry = MlflowRegistry(mlflow_url, lease_s=0.2)
    tag = registry.client.set_registered_model_tag

    def slow_tag(model, key, value):  # the release's last request, answered after more than a lease
        tag(model, key, value)
        time.sleep(0.3)

    registry.client.set_registered_model_tag = slow_tag
    with registry._locked(name):
        time.sleep(registry.lease_s + 0.05)  # the lease ends first: the release's time alone decides
    kept = registry.broken_locks(name, tagged_only=True)
    assert [holder["owner"] for _, holder in kept] == [registry.owner], kept  # swept a lease later, not now
    registry.client.set_registered_model_tag = tag
    with MlflowRegistry(mlflow_url, lease_s=0.2)._locked(name):  # the next promotion, a lease on
        pass
    assert all(holder["owner"] != registry.owner for _, holder in registry.broken_locks(name, tagged_only=True))
