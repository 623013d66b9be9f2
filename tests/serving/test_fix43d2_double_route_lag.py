"""KubeApiDouble.lag_route ends when the traffic the ksvc asks for changes (round 43).

``lag_route`` models the Route still resolving the ``latestRevision`` target to the revision
ready before, while the status already names the new one ``latestReadyRevision``. A patch of
``canaryTrafficPercent`` meanwhile gives the Route a new generation, whose reconcile resolves that
target to the Configuration's ``LatestReadyRevisionName`` of now (knative-v1.21.1
``pkg/reconciler/route/traffic/traffic.go``); the double kept routing the revision before."""

from __future__ import annotations

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, with_canary

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double


def test_a_traffic_patch_during_the_route_lag_routes_the_latest_ready_revision(kube):
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with_canary(isvcs, NAME, V1, V2)
    kube.lag_route(10_000)
    isvcs.patch(NAME, specs.canary_patch(version="3", storage_uri=V3, percent=20))
    for _ in range(3):
        status = isvcs.get(NAME)["status"]["components"]["predictor"]
    v3 = status["latestReadyRevision"]
    assert kube.revision_uri(NS, NAME, v3) == V3 and v3 not in kube.traffic(
        NS, NAME
    )  # the lag itself
    isvcs.patch(NAME, specs.traffic_patch(50))
    isvcs.get(NAME)
    assert kube.traffic(NS, NAME).get(v3) == 50, kube.traffic(NS, NAME)


def test_a_template_change_alone_keeps_the_route_lag(kube):
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with_canary(isvcs, NAME, V1, V2)
    kube.lag_route(10_000)
    isvcs.patch(NAME, specs.canary_patch(version="3", storage_uri=V3, percent=20))
    for _ in range(3):
        v3 = isvcs.get(NAME)["status"]["components"]["predictor"]["latestReadyRevision"]
    kube.ready_after_reads = 10_000
    isvcs.patch(NAME, {"spec": {"predictor": {"annotations": {"example.com/note": "x"}}}})
    isvcs.get(NAME)
    assert v3 not in kube.traffic(NS, NAME), kube.traffic(NS, NAME)
