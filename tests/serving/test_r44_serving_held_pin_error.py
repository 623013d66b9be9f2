"""A rollback that wrote something and then failed says what it wrote, restart or not.

Round 43 left alone: a held rollback (the spec names another run's model, whose revision failed,
so Knative gives that canary's share to the failed model's revision) pins the other canary out
(``canaryTrafficPercent: 0``) and waits for the traffic to move. An error in that wait — the API
server answering 403 (the runner's RoleBinding removed) or 500 — raised ``get InferenceService
...: HTTP 403`` alone: nothing said the rollback had just changed another run's canary, which
the held outcome would have reported. The same for a rollback's own pin-back followed by an
error. Errors after a restart already named the writes (round 43); every error now does.

Through KubeApiDouble (tests/doubles/kube_api.py: ``fail_revisions``, ``forbid``)."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import with_canary

NS, NAME = "ml", "credit-default"
V1, V2, V3 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2, 3))
OTHER = specs.canary_patch(version="3", storage_uri=V3, percent=20)
PATH = f"/apis/serving.kserve.io/v1beta1/namespaces/{NS}/inferenceservices/{NAME}"


class ForbiddenAfterPin(InferenceServices):
    """Once a patch pinning a canary to 0 % lands, the identity loses access (HTTP 403)."""

    def __init__(self, kube):
        super().__init__(NS, api_client=kube.api_client())
        self.kube, self.armed = kube, False

    def patch(self, name, patch):
        out = super().patch(name, patch)
        if (
            self.armed
            and patch.get("spec", {}).get("predictor", {}).get("canaryTrafficPercent") == 0
        ):
            self.kube.forbid(PATH)
        return out


@pytest.fixture
def forbidden(kube):
    return ForbiddenAfterPin(kube)


def test_an_error_after_the_held_pin_out_names_the_pin(forbidden, kube):
    with_canary(forbidden, NAME, V1, V2)
    kube.fail_revisions(V3)
    forbidden.patch(NAME, OTHER)
    forbidden.get(NAME)
    forbidden.armed = True
    with pytest.raises(ServingError) as err:
        rollout.rollback(
            forbidden, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
        )
    message = str(err.value)
    assert "HTTP 403" in message, message
    assert "another model's canary pinned to 0 %" in message, message
    assert kube.objects[(NS, NAME)]["spec"]["predictor"]["canaryTrafficPercent"] == 0  # it did land


def test_an_error_after_the_own_pin_back_names_it(forbidden, kube):
    with_canary(forbidden, NAME, V1, V2)
    forbidden.armed = True
    with pytest.raises(ServingError) as err:
        rollout.rollback(
            forbidden, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
        )
    message = str(err.value)
    assert "HTTP 403" in message and "its canary pinned to 0 %" in message, message
    assert message.count("pinned to 0 %") == 1, message
