"""A canary pinned back by hand (``kubectl patch ... canaryTrafficPercent: 0``) while
``promote`` waited for the latest revision to reach 100 % made that wait look for a split that
never came: ``ctloop rollout promote`` / the ``promote_model`` step waited out the whole timeout
and then reported a timeout, not the operator's change. The wait now ends at once with
``ServingChangedOutside`` when ``canaryTrafficPercent`` is back in the spec; the registry is not
promoted (``release.promote`` writes it only after the traffic). Through KubeApiDouble.
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


class PinnedBackRightAfterThePromote(InferenceServices):
    armed = False

    def patch(self, name, patch):
        out = super().patch(name, patch)
        promoting = "canaryTrafficPercent" in ((patch.get("spec") or {}).get("predictor") or {}) \
            and patch["spec"]["predictor"]["canaryTrafficPercent"] is None
        if promoting and self.armed:
            self.armed = False
            out = super().patch(name, specs.pin_back_patch())
        return out


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=2) as double:
        yield double


def test_a_pin_back_by_hand_during_the_promote_wait_is_changed_outside_at_once(kube):
    isvcs = PinnedBackRightAfterThePromote(NS, api_client=kube.api_client())
    with_canary(isvcs, NAME, V1, V2, percent=10)
    isvcs.armed = True
    started = time.monotonic()
    with pytest.raises(ServingChangedOutside, match=r"changed outside this rollout while waiting for latest revision "
                                                    r"at 100 %: canaryTrafficPercent is 0") as info:
        rollout.promote(isvcs, NAME, timeout_s=20, storage_uri=V2, version="2")
    assert not isinstance(info.value, ServingTimeoutError)  # was: 20 s, then a timeout
    assert time.monotonic() - started < 10
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 0  # the operator's pin kept


def test_a_promote_without_an_operator_reaches_100(kube):
    isvcs = PinnedBackRightAfterThePromote(NS, api_client=kube.api_client())
    with_canary(isvcs, NAME, V1, V2, percent=10)
    state = rollout.promote(isvcs, NAME, timeout_s=5, storage_uri=V2, version="2")
    assert list(state.traffic.values()) == [100]
