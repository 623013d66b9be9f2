"""Hostile values ctloop reads back from the cluster.

* ``canaryTrafficPercent`` patched by hand (``kubectl patch``) outside 0..100: the CRD types it
  int64 without bounds (KServe v0.20.0 ``pkg/apis/serving/v1beta1/component.go``
  ``CanaryTrafficPercent *int64``; ``config/crd/full/serving.kserve.io_inferenceservices.yaml``),
  and Knative refuses such a traffic target (knative-v1.21.1 ``pkg/apis/serving/v1/
  route_validation.go`` ``validateTrafficPercentage``). A deploy of the version the spec already
  names waited its whole timeout "ready with -5 % traffic"; now it is refused at once, one line,
  nothing written. (A string or a fraction only a server that is no API server keeps: the same.)
* ``traffic[]`` entries that are no knative ``TrafficTarget`` (``pkg/apis/serving/v1/route_types.go``:
  ``percent`` int64, ``revisionName`` a string) and a ``status``/``components``/``predictor`` that
  is no object: a ValueError or AttributeError traceback in every step and in ``ctloop rollout
  status``; now one ServingError line naming the field and value, nothing written.

Entries missing ``percent``, ``tag`` or ``latestRevision``, two ``latestRevision`` entries and a
status of an older generation were tried as well: no traceback, no wrong write (not tested here).
The cluster is tests/doubles/kube_api.py's Kubernetes API double (a double of the Kubernetes API),
which keeps what a test writes into its objects as kubectl would have it kept."""

from __future__ import annotations

import time

import pytest

from ctloop.errors import ServingError, ServingTimeoutError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import with_canary
from tests.helpers import run_main
from tests.serving.test_rollout_components import ISVC, NS, kube  # noqa: F401

K8S = ["--isvc", ISVC, "--namespace", NS]


@pytest.fixture
def canary(kube):  # noqa: F811
    """v2 at 10 % beside v1: ``(kube, isvcs, the live object)``."""
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with_canary(isvcs, ISVC, "s3://b/v1", "s3://b/v2", percent=10)
    return kube, isvcs, kube.objects[(NS, ISVC)]


def _writes(double) -> int:
    return sum(c[0] != "GET" for c in double.calls)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (-5, "canaryTrafficPercent -5 is outside 0..100"),
        (150, "canaryTrafficPercent 150 is outside 0..100"),
        ("50", "canaryTrafficPercent '50' is not a whole number"),
        (50.5, "canaryTrafficPercent 50.5 is not a whole number"),
    ],
)
def test_a_deploy_over_a_hand_patched_percent_is_refused_at_once(canary, value, said):
    double, isvcs, obj = canary
    obj["spec"]["predictor"]["canaryTrafficPercent"] = value  # kubectl patch --type merge
    writes, start = _writes(double), time.monotonic()
    with pytest.raises(ServingError, match=f"names v2, and its {said}") as err:
        rollout.deploy(
            isvcs, name=ISVC, model_name="credit", version="2", storage_uri="s3://b/v2",
            percent=10, timeout_s=3,
        )  # fmt: skip
    assert not isinstance(err.value, ServingTimeoutError) and time.monotonic() - start < 2
    assert "nothing written" in str(err.value) and _writes(double) == writes


@pytest.mark.parametrize(
    ("mutate", "said"),
    [
        (
            lambda p: p["traffic"][0].__setitem__("percent", "abc"),
            'status.components.predictor.traffic[0].percent is "abc", not a whole number',
        ),
        (
            lambda p: p["traffic"].append("junk"),
            'status.components.predictor.traffic[2] is "junk", not a traffic target',
        ),
        (
            lambda p: p.__setitem__("traffic", {"rev": 100}),
            'status.components.predictor.traffic is {"rev": 100}, not a list of traffic targets',
        ),
        (
            lambda p: p["traffic"][1].__setitem__("revisionName", 7),
            "status.components.predictor.traffic[1].revisionName is 7, not a name",
        ),
    ],
)
def test_a_malformed_traffic_entry_is_one_line(canary, capsys, mutate, said):
    double, isvcs, obj = canary
    mutate(obj["status"]["components"]["predictor"])
    writes = _writes(double)
    code, out, err = run_main(["rollout", "status", *K8S], capsys, 20)
    assert code == 2 and err.count("\n") == 1 and said in err, err  # was: a traceback
    with pytest.raises(ServingError, match="not a status KServe writes"):
        rollout.set_traffic(isvcs, ISVC, 20, timeout_s=2)
    with pytest.raises(ServingError, match="not a status KServe writes"):
        rollout.rollback(
            isvcs, ISVC, version="1", storage_uri="s3://b/v1", failed_storage_uri="s3://b/v2",
            timeout_s=2,
        )  # fmt: skip
    assert _writes(double) == writes


@pytest.mark.parametrize(
    ("path", "value"),
    [(("status",), "junk"), (("status", "components", "predictor"), ["x"])],
)
def test_a_status_that_is_no_object_is_one_line(canary, capsys, path, value):
    double, isvcs, obj = canary
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    writes = _writes(double)
    code, _, err = run_main(["rollout", "canary", *K8S, "--percent", "20"], capsys, 20)
    assert code == 2 and err.count("\n") == 1, err  # was: AttributeError
    assert f"the answer's {'.'.join(path)} is" in err and "not an object" in err, err
    assert _writes(double) == writes
