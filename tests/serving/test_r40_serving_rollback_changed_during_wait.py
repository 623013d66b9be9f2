"""A rollback whose spec is changed by hand while it waits (``kubectl patch`` of the canary's
share, ``ctloop rollout canary``, another run deploying a model).

Each of its three waits — all traffic back on the stable revision, the champion's revision ready
at 0 %, the champion at 100 % — watched ``traffic[]`` alone, so a changed share or model made the
state it waited for impossible and it waited out ``timeout_seconds`` (300 s) before a timeout
that did not say why. They now end at once with :class:`ChangedOutside` naming the change, as
deploy's, set_traffic's and promote's waits do; nothing after them is written."""

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=3) as double:
        yield double


@pytest.fixture
def isvcs(kube):
    return InferenceServices(NS, api_client=kube.api_client())


def _hand_change_at_read(isvcs, n, patch):
    """``patch`` applied by someone else right before the ``n``-th read of the InferenceService."""
    real, reads = isvcs.get, []

    def get(name):
        reads.append(name)
        if len(reads) == n:
            isvcs.patch(NAME, patch)
        return real(name)

    isvcs.get = get


@pytest.mark.parametrize(("read", "waiting_for"), [
    (2, "all traffic back on the stable revision credit-default-predictor-00001"),
    (3, r"champion revision ready \(still at 0 %\)"),
    (6, "champion revision at 100 %"),
])
@pytest.mark.parametrize(("patch", "change"), [
    (specs.traffic_patch(50), "canaryTrafficPercent is 50"),
    (specs.canary_patch(version="3", storage_uri=V3, percent=20), f"its storageUri is {V3}"),
])
def test_a_change_by_hand_during_a_rollback_wait_ends_it_at_once(isvcs, kube, read, waiting_for, patch, change):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10, timeout_s=5)
    _hand_change_at_read(isvcs, read, patch)
    with pytest.raises(rollout.ChangedOutside, match=f"while waiting for {waiting_for}: {change}"):
        rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=60)  # was a timeout after 60 s
    spec = kube.objects[(NS, NAME)]["spec"]["predictor"]
    assert spec["canaryTrafficPercent"] == patch["spec"]["predictor"]["canaryTrafficPercent"]  # left as changed


def test_an_undisturbed_rollback_still_completes(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10, timeout_s=5)
    state = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    assert state.action == "rolled_back" and list(state.traffic.values()) == [100]
    assert kube.revision_uri(NS, NAME, state.latest_revision) == V1
