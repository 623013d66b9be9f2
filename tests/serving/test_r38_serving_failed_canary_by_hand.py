"""``ctloop rollout promote`` and ``ctloop rollout canary --percent N`` on a canary whose revision
failed (the model did not load, the image was not pulled) waited out their whole timeout for a
revision that will never be ready, and promote had meanwhile removed ``canaryTrafficPercent``.

Knative keeps the previous ready revision and marks the configuration ``RevisionFailed``
(knative-v1.21.1 ``pkg/apis/serving/v1/configuration_lifecycle.go`` ``MarkLatestCreatedFailed``),
which KServe v0.20.0 copies into ``PredictorConfigurationReady`` (``PropagateStatus``); both
``latestRevision`` targets then resolve to that ready revision (``ksvc_reconciler.go``
``createKnativeService``, knative ``pkg/reconciler/route/traffic/traffic.go``), so no split the
wait looks for can appear. Both now refuse at once, in one line naming the failure, and write
nothing. Through KubeApiDouble (``fail_revisions``).
"""

import time

import pytest

from ctloop.errors import ServingError, ServingTimeoutError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

NS, NAME = "ml", "credit-default"
V1, V2 = "gs://models/run1/artifacts/model-joblib", "gs://models/run2/artifacts/model-joblib"


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
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 5
    return len(kube.calls)


def _writes(kube, since):
    return [c for c in kube.calls[since:] if c[0] != "GET"]


def test_promoting_a_failed_canary_is_refused_at_once(isvcs, kube, failed_canary):
    started = time.monotonic()
    with pytest.raises(ServingError, match=r'Revision "credit-default-predictor-00002" failed with message: '
                                           r"Container failed with: model load failed") as info:
        rollout.promote(isvcs, NAME, timeout_s=20)
    assert not isinstance(info.value, ServingTimeoutError)  # was: 20 s, then a timeout
    assert time.monotonic() - started < 10
    assert "\n" not in str(info.value) and "roll back" in str(info.value)
    assert _writes(kube, failed_canary) == []  # canaryTrafficPercent kept
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 5


@pytest.mark.parametrize("percent", [25])  # 0 %: pinned, not refused (test_a_failed_canary_can_be_pinned_to_0)
def test_moving_a_failed_canary_is_refused_at_once(isvcs, kube, failed_canary, percent):
    started = time.monotonic()
    with pytest.raises(ServingError, match=r'Revision "credit-default-predictor-00002" failed') as info:
        rollout.set_traffic(isvcs, NAME, percent, timeout_s=20)
    assert not isinstance(info.value, ServingTimeoutError)
    assert time.monotonic() - started < 10
    assert "credit-default-predictor-00001" in str(info.value)  # where all traffic is
    assert _writes(kube, failed_canary) == []


def test_after_the_refusal_a_rollback_still_completes(isvcs, kube, failed_canary):
    with pytest.raises(ServingError):
        rollout.promote(isvcs, NAME, timeout_s=5)
    final = rollout.rollback(isvcs, NAME, version="1", storage_uri=V1, timeout_s=5)
    (revision,) = final.traffic
    assert kube.revision_uri(NS, NAME, revision) == V1


def test_a_failed_canary_can_be_pinned_to_0(isvcs, kube, failed_canary):
    """fix38b (review B, F7): pinning to 0 % is the safe write — a failed revision may still become
    ready (an image pulled at last) and would take its ``canaryTrafficPercent`` share back — so it
    is written, and the wait is for the stable revision at 100 % (KServe v0.20.0
    ``ksvc_reconciler.go``: ``latestRevision`` at 0 %, ``prev`` = latestRolledoutRevision at 100 %)."""
    state = rollout.set_traffic(isvcs, NAME, 0, timeout_s=5)
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 0
    rev = "credit-default-predictor-00001"
    assert kube.traffic(NS, NAME) == {rev: 100} and state.traffic == {rev: 100}
