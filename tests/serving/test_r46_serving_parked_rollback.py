"""A canary deployed after a rollback whose restore failed gives the rolled-back model no traffic.

A rollback pins the failed canary to 0 % and writes the champion's storageUri back. When the
champion's model is gone (its artifacts deleted, a bucket lifecycle rule) its new revision fails:
traffic stays on the stable revision, but the latest *ready* revision is still the rolled-back
model's. Knative routes the ``latestRevision`` target to the latest ready revision until a newer
one is ready (knative-v1.21.1 ``pkg/reconciler/route/traffic/traffic.go``), and KServe v0.20.0
gives that target ``canaryTrafficPercent`` (``ksvc_reconciler.go`` ``createKnativeService``): the
next deploy's canary patch routed its share — all of it, blue-green — to the rolled-back model
for as long as the new revision took to start (image pull, model download: minutes). The same
after a rollback that stopped after its pin-back.

Now such a deploy writes the new model at 0 % first, waits for its revision, then moves it to its
share: the rolled-back model gets nothing. Through KubeApiDouble (tests/doubles/kube_api.py),
whose ``history`` records every split it publishes."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit"
V1, V2, V3 = "gs://models/v1", "gs://models/v2", "gs://models/v3"
BAD = "credit-predictor-00002"  # v2's revision, rolled back


@pytest.fixture
def parked():
    """v1 stable, v2's canary rolled back, v1's restore failed (its model gone)."""
    with KubeApiDouble(ready_after_reads=3) as double:
        isvcs = InferenceServices(NS, api_client=double.api_client())
        rollout.deploy(
            isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5
        )
        rollout.deploy(
            isvcs,
            name=NAME,
            model_name="credit",
            version="2",
            storage_uri=V2,
            percent=10,
            timeout_s=5,
        )
        double.fail_revisions(V1)
        with pytest.raises(ServingError, match="failed"):
            rollout.rollback(
                isvcs, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
            )
        assert double.traffic(NS, NAME) == {BAD: 0, "credit-predictor-00001": 100}
        yield double, isvcs


@pytest.mark.parametrize(("strategy", "percent"), [("canary", 10), ("blue-green", 100)])
def test_the_rolled_back_model_gets_no_traffic_while_the_new_revision_starts(
    parked, strategy, percent
):
    double, isvcs = parked
    published = len(double.history)
    state = rollout.deploy(
        isvcs,
        name=NAME,
        model_name="credit",
        version="3",
        storage_uri=V3,
        percent=10,
        strategy=strategy,
        timeout_s=8,
    )
    assert state.traffic.get(state.latest_revision) == percent
    assert double.revision_uri(NS, NAME, state.latest_revision) == V3
    shares = [split.get(BAD, 0) for _what, split in double.history[published:]]
    assert not any(shares), double.history[published:]
