"""The "unchanged" rollback (the spec already names the champion) accepted a status KServe had
not updated yet: right after the champion's storageUri is written back (by hand, or by a
rollback whose last wait was lost), the status still describes the spec before it —
latestCreated = latestReady = the bad revision at 100 % — and "unchanged" said traffic was back.

KServe v0.20.0 ``pkg/apis/serving/v1beta1/inference_service_status.go`` ``PropagateStatus`` sets
``status.observedGeneration`` when it publishes the predictor's status; a status whose
observedGeneration is below ``metadata.generation`` was published for an older spec. The
double (tests/doubles/kube_api.py) publishes ``observedGeneration = metadata.generation``; a
spec written behind its back (``kube.objects``) leaves the status stale, as a real controller
does until it reconciles.
"""

import pytest

from ctloop.errors import ServingTimeoutError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit-default"
V1, V2 = "gs://models/run1/artifacts/model-joblib", "gs://models/run2/artifacts/model-joblib"


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=3) as double:
        yield double


@pytest.fixture
def isvcs(kube):
    return InferenceServices(NS, api_client=kube.api_client())


def _v2_promoted_then_v1_written_back_unreconciled(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10, timeout_s=5)
    rollout.promote(isvcs, NAME, timeout_s=5)
    obj = kube.objects[(NS, NAME)]
    obj["spec"]["predictor"]["model"]["storageUri"] = V1
    obj["metadata"]["generation"] += 1  # the API server's bump; KServe has not reconciled yet
    st = obj["status"]["components"]["predictor"]
    assert st["latestCreatedRevision"] == st["latestReadyRevision"]
    assert kube.revision_uri(NS, NAME, st["latestReadyRevision"]) == V2  # the bad model, at 100 %


def test_unchanged_rollback_does_not_accept_a_status_of_the_older_spec(isvcs, kube):
    _v2_promoted_then_v1_written_back_unreconciled(isvcs, kube)
    with pytest.raises(ServingTimeoutError, match="champion revision at 100 %"):
        rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=1)


def test_unchanged_rollback_accepts_the_champion_once_kserve_reconciled(isvcs, kube):
    _v2_promoted_then_v1_written_back_unreconciled(isvcs, kube)
    kube._reconcile((NS, NAME), spec_changed=True)  # KServe catches up: a new revision of v1
    state = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    assert state.action == "unchanged"
    assert kube.revision_uri(NS, NAME, state.latest_revision) == V1
    assert kube.traffic(NS, NAME) == {state.latest_revision: 100}
