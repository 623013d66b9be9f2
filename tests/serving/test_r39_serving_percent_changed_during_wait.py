"""An operator's ``kubectl patch isvc --type merge -p '{"spec":{"predictor":{"canaryTrafficPercent":30}}}'``
landing while the analysis waits for the next step's split (the walk's ``set_traffic``) made the
wait look for a split that never came: it waited out the whole timeout, and the ServingTimeoutError
was a failed analysis — the rollback undid the operator's choice. A spec changed outside the
rollout decides ``hold`` (``ctloop.serving.release.analyze``), as the checks between the steps
already found it (``check_unchanged``). The wait now ends at once with ``ServingChangedOutside``
when the spec's canaryTrafficPercent is no longer the one written. Through KubeApiDouble.
"""

import time

import pytest

from ctloop.errors import ServingChangedOutside, ServingTimeoutError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, with_canary

NS, NAME = "ml", "credit-default"
V1, V2 = "gs://models/run1/artifacts/model-joblib", "gs://models/run2/artifacts/model-joblib"


class OperatorRightAfter(InferenceServices):
    """The operator's patch lands right after ctloop's patch moving the canary to ``after``."""

    def __init__(self, *args, after: int, operator: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.after, self.operator = after, operator

    def patch(self, name, patch):
        out = super().patch(name, patch)
        # the spec part: the patch also carries the resourceVersion it read (optimistic concurrency)
        if patch.get("spec") == specs.traffic_patch(self.after)["spec"] and self.operator:
            operator, self.operator = self.operator, {}
            out = super().patch(name, operator)
        return out


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=2) as double:
        yield double


def _isvcs(kube, operator):
    isvcs = OperatorRightAfter(NS, api_client=kube.api_client(), after=25, operator=operator)
    with_canary(isvcs, NAME, V1, V2, percent=10)
    return isvcs


def test_a_percent_changed_while_the_walk_waits_for_its_step_is_changed_outside(kube):
    isvcs = _isvcs(kube, specs.traffic_patch(30))
    checked = []
    started = time.monotonic()
    with pytest.raises(ServingChangedOutside, match=r"changed outside this rollout.*canaryTrafficPercent is 30, "
                                                    r"this rollout set 25") as info:
        rollout.walk_plan(isvcs, NAME, plan=[10, 25, 50], storage_uri=V2, timeout_s=20,
                          check=lambda p: checked.append(p) or (True, "ok", {}))
    assert not isinstance(info.value, ServingTimeoutError)  # was: 20 s, then a timeout (a rollback)
    assert time.monotonic() - started < 10
    assert checked == [10] and [s["percent"] for s in info.value.steps] == [10]
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 30  # left as the operator set it


def test_a_canary_promoted_by_hand_while_the_walk_waits_is_changed_outside(kube):
    isvcs = _isvcs(kube, specs.promote_patch())
    with pytest.raises(ServingChangedOutside, match=r"canaryTrafficPercent is unset"):
        rollout.walk_plan(isvcs, NAME, plan=[10, 25], storage_uri=V2, timeout_s=20,
                          check=lambda p: (True, "ok", {}))


def test_the_walk_without_an_operator_moves_as_before(kube):
    isvcs = _isvcs(kube, {})
    passed, _, steps = rollout.walk_plan(isvcs, NAME, plan=[10, 25, 50], storage_uri=V2, timeout_s=5,
                                         check=lambda p: (True, "ok", {}))
    assert passed and [s["percent"] for s in steps] == [10, 25, 50]
    assert sum(kube.traffic(NS, NAME).values()) == 100
