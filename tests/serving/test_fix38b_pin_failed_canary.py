"""``ctloop rollout canary --percent 0`` on a canary whose revision failed was refused with the
moves that cannot complete. Pinning to 0 % is the safe write — a failed revision may still
become ready (an image pulled at last) and would take its ``canaryTrafficPercent`` share back —
so it is written, and the wait is for the stable revision at 100 % (KServe v0.20.0
``ksvc_reconciler.go``: ``latestRevision`` at 0 %, ``prev`` = latestRolledoutRevision at 100 %).
Promote and percent > 0 stay refused. Through KubeApiDouble (``fail_revisions``)."""

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit-default"
V1, V2 = "gs://models/run1/artifacts/model-joblib", "gs://models/run2/artifacts/model-joblib"
REV = "credit-default-predictor-{:05d}".format


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=2) as double:
        yield double


@pytest.fixture
def isvcs(kube):
    return InferenceServices(NS, api_client=kube.api_client())


@pytest.fixture
def failed_canary(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    kube.fail_revisions(V2)
    with pytest.raises(ServingError, match="00002"):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=5, timeout_s=5)


def test_a_failed_canary_can_be_pinned_to_0(isvcs, kube, failed_canary):
    state = rollout.set_traffic(isvcs, NAME, 0, timeout_s=5)
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 0
    assert kube.traffic(NS, NAME) == {REV(1): 100} and state.traffic == {REV(1): 100}


@pytest.mark.parametrize("move", [lambda i: rollout.set_traffic(i, NAME, 25, timeout_s=5),
                                  lambda i: rollout.promote(i, NAME, timeout_s=5)])
def test_other_moves_of_a_failed_canary_stay_refused(isvcs, kube, failed_canary, move):
    with pytest.raises(ServingError, match=r'Revision "credit-default-predictor-00002" failed'):
        move(isvcs)
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 5
