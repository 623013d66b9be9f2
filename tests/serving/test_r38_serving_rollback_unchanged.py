"""A rollback whose spec already names the champion (no canaryTrafficPercent, no failed revision)
answered "unchanged" from the first read: it neither waited for the champion's revision to be
ready nor confirmed from ``status.components.predictor.traffic[]`` that it has 100 %.

Without ``canaryTrafficPercent`` KServe v0.20.0 routes one ``latestRevision`` target at 100 %
(``pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go``
``createKnativeService``), which Knative resolves to the latest *ready* revision
(knative-v1.21.1 ``pkg/reconciler/route/traffic/traffic.go``): while the champion's new revision
is still starting — a rollback written by hand (``kubectl patch`` of the storageUri), or a
rollback run again after the first one wrote the storageUri and lost its wait — the bad model
still serves everything, and "unchanged" said the rollback was done. It now waits as the other
paths do ("champion revision at 100 %", the same timeout), through KubeApiDouble (generation
bumps on spec changes only).
"""

import time

import pytest

from ctloop.errors import ServingError, ServingTimeoutError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit-default"
V1, V2 = "gs://models/run1/artifacts/model-joblib", "gs://models/run2/artifacts/model-joblib"
REV = "credit-default-predictor-{:05d}".format


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=3) as double:
        yield double


@pytest.fixture
def isvcs(kube):
    return InferenceServices(NS, api_client=kube.api_client())


def _v2_promoted_then_champion_written_back(isvcs, kube):
    """v2 promoted (serves 100 %), then the champion's storageUri written back without a canary
    percent (a hand rollback, or a rollback's last patch whose wait was lost): revision 3 starts."""
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10, timeout_s=5)
    rollout.promote(isvcs, NAME, timeout_s=5)
    assert kube.traffic(NS, NAME) == {REV(2): 100}
    generation = kube.objects[(NS, NAME)]["metadata"]["generation"]
    isvcs.patch(NAME, {"metadata": {"labels": {"ctloop.dev/model-version": "1"}},
                       "spec": {"predictor": {"model": {"storageUri": V1}}}})
    obj = kube.objects[(NS, NAME)]
    assert obj["metadata"]["generation"] == generation + 1
    assert obj["status"]["components"]["predictor"]["latestCreatedRevision"] == REV(3)
    assert kube.traffic(NS, NAME) == {REV(2): 100}  # the bad model still serves everything


def test_unchanged_rollback_waits_until_the_champion_revision_serves_100(isvcs, kube):
    _v2_promoted_then_champion_written_back(isvcs, kube)
    n = len(kube.calls)
    state = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    assert state.action == "unchanged"
    assert state.traffic == {REV(3): 100}  # was {REV(2): 100}: the bad revision, called rolled back
    assert kube.revision_uri(NS, NAME, REV(3)) == V1
    assert kube.traffic(NS, NAME) == {REV(3): 100}
    assert [c for c in kube.calls[n:] if c[0] != "GET"] == []  # nothing written: the spec is right


def test_unchanged_rollback_times_out_with_the_message_of_the_other_paths(isvcs, kube):
    _v2_promoted_then_champion_written_back(isvcs, kube)
    kube.stall()
    with pytest.raises(ServingTimeoutError, match=r"champion revision at 100 % not reached within 1 s; "
                                                  r"latestCreated=credit-default-predictor-00003, "
                                                  r"latestReady=credit-default-predictor-00002"):
        rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=1)


def test_unchanged_rollback_whose_champion_revision_fails_ends_at_once_and_a_rerun_retries(isvcs, kube):
    _v2_promoted_then_champion_written_back(isvcs, kube)
    kube.fail_revisions(V1)  # revision 3 fails where it would become ready
    started = time.monotonic()
    with pytest.raises(ServingError, match=r'champion revision at 100 % will not be reached: Revision '
                                           r'"credit-default-predictor-00003" failed') as info:
        rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=20)
    assert not isinstance(info.value, ServingTimeoutError)
    assert time.monotonic() - started < 10
    kube.failing_uris.discard(V1)
    state = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)  # the retry path
    assert state.traffic == {REV(4): 100} and kube.revision_uri(NS, NAME, REV(4)) == V1


def test_unchanged_rollback_of_a_settled_champion_still_returns_at_once(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    n = len(kube.calls)
    state = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    assert state.action == "unchanged" and state.traffic == {REV(1): 100}
    assert [c for c in kube.calls[n:] if c[0] != "GET"] == []
