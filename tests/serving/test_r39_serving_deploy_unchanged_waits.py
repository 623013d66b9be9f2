"""A deploy step retried (KFP retry after its pod died) once its patch had landed, while the new
revision was still starting, found the spec already naming the version and answered at once.

While the canary's revision is not ready yet, Knative resolves the ``latestRevision`` target to
the latest *ready* revision (knative-v1.21.1 ``pkg/reconciler/route/traffic/traffic.go``), so
``status.components.predictor`` shows the OLD revision as ``latestReadyRevision`` with all the
traffic, and no ``previousRolledoutRevision`` on a second deployment (KServe v0.20.0
``pkg/apis/serving/v1beta1/inference_service_status.go`` ``PropagateStatus``). deploy read that
as "unchanged": the analysis promoted the canary with nothing compared (``FIRST_DEPLOYMENT``),
and ``latest_revision`` named the champion's revision. A retried blue-green deploy did the same.
Now the unchanged-spec path first waits, with the step's timeout, until the spec's latest
revision is ready with its share confirmed in ``traffic[]``, then decides as before.
"""

import pytest

from ctloop.errors import ServingTimeoutError
from ctloop.serving import isvc as specs
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


def _first_attempt_died_after_its_patch(isvcs, kube, percent):
    """v1 serves 100 %; the first attempt of the deploy step wrote v2's canary patch and died."""
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    isvcs.patch(NAME, specs.canary_patch(version="2", storage_uri=V2, percent=percent))
    predictor = kube.objects[(NS, NAME)]["status"]["components"]["predictor"]
    assert predictor["latestCreatedRevision"] == REV(2) and predictor["latestReadyRevision"] == REV(1)
    assert kube.traffic(NS, NAME) == {REV(1): 100}


def test_a_retried_canary_deploy_waits_for_the_canary_and_is_analysed(isvcs, kube):
    _first_attempt_died_after_its_patch(isvcs, kube, 10)
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10,
                           timeout_s=5)
    assert state.action == "canary"  # was "unchanged": promoted with no analysis
    assert state.latest_revision == REV(2)  # was REV(1), the champion's revision
    assert state.previous_revision == REV(1)
    assert state.traffic == {REV(2): 10, REV(1): 90}


def test_a_retried_blue_green_deploy_waits_for_the_switch_and_is_analysed(isvcs, kube):
    _first_attempt_died_after_its_patch(isvcs, kube, 100)
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2,
                           strategy="blue-green", timeout_s=5)
    assert state.action == "switched"
    assert (state.latest_revision, state.previous_revision, state.traffic) == (REV(2), REV(1), {REV(2): 100})


def test_a_retried_first_deployment_waits_for_its_revision(isvcs, kube):
    isvcs.create(specs.inference_service(NAME, namespace=NS, model_name="credit", version="1", storage_uri=V1))
    assert kube.traffic(NS, NAME) == {}
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    assert state.action == "unchanged"
    assert (state.latest_revision, state.traffic) == (REV(1), {REV(1): 100})  # was ("", {})


def test_a_retried_deploy_whose_canary_never_gets_ready_times_out_naming_it(isvcs, kube):
    _first_attempt_died_after_its_patch(isvcs, kube, 10)
    kube.stall()
    with pytest.raises(ServingTimeoutError, match=r"not reached within 1 s; latestCreated=credit-default-predictor-00002, "
                                                  r"latestReady=credit-default-predictor-00001"):
        rollout.deploy(isvcs, name=NAME, model_name="credit", version="2", storage_uri=V2, percent=10, timeout_s=1)


def test_an_unchanged_deploy_of_the_serving_version_writes_nothing(isvcs, kube):
    rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    n = len(kube.calls)
    state = rollout.deploy(isvcs, name=NAME, model_name="credit", version="1", storage_uri=V1, timeout_s=5)
    assert (state.action, state.traffic) == ("unchanged", {REV(1): 100})
    assert [c for c in kube.calls[n:] if c[0] != "GET"] == []
