"""A conditional patch applied whose answer was lost (the API server's 504: k8s.io/apiserver
``pkg/server/filters/timeout.go`` answers it while the write goes on) is sent again; an operator's
pin-back in between makes that resend 409. The rollout then said "nothing written" although its
50 % had been applied and served until the pin-back. It now says its write may have landed
before the change. Through KubeApiDouble."""

from __future__ import annotations

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from ctloop.serving.rollout import ChangedOutside
from tests.doubles.kube_api import with_canary

NS, NAME = "ml", "credit-default"
V1, V2 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2))


def test_a_resent_patch_refused_after_a_pin_back_does_not_claim_nothing_was_written(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2, percent=10)
    operator = InferenceServices(NS, api_client=kube.api_client())
    send = isvcs.api.patch_namespaced_custom_object
    sent = []

    def patch(*args, **kwargs):
        sent.append(args)
        if len(sent) == 2:  # our 50 % landed, its answer lost; the operator pins back before the resend
            operator.patch(NAME, specs.pin_back_patch())
        return send(*args, **kwargs)

    isvcs.api.patch_namespaced_custom_object = patch
    kube.fail_after_write(504)
    with pytest.raises(ChangedOutside) as err:
        rollout.set_traffic(isvcs, NAME, 50, timeout_s=5)
    assert "nothing written" not in str(err.value)
    assert "this rollout's write may have landed before the change" in str(err.value)
    assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 0  # the operator's pin-back stays


def test_a_conflict_on_the_first_send_still_says_nothing_written(isvcs, kube):
    with_canary(isvcs, NAME, V1, V2, percent=10)
    operator = InferenceServices(NS, api_client=kube.api_client())
    read = isvcs.get

    def get(name):
        obj = read(name)
        operator.patch(NAME, specs.pin_back_patch())  # after every read of this rollout
        return obj

    isvcs.get = get
    with pytest.raises(ChangedOutside, match="nothing written"):
        rollout.set_traffic(isvcs, NAME, 50, timeout_s=5)
