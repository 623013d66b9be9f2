"""An InferenceService deleted between a step's read and its patch is a change made outside the
rollout (:class:`ctloop.errors.ServingChangedOutside`), named as a deletion, nothing written.

Round 43 left alone: the API server answers a merge patch of an object that no longer exists
404 NotFound (k8s.io/apiserver ``pkg/endpoints/handlers/patch.go``: a patch never creates — only
an apply patch with force would), which ctloop reported as a bare
``ServingError: patch InferenceService ml/credit: HTTP 404 Not Found: inferenceservices "credit"
not found``: release.deploy then took it for a failed deploy and went on to "roll back" an
InferenceService that was gone, and analyze would roll back instead of holding. A deletion met by
a wait was already ChangedOutside (kube.wait_for); the patch now says the same.

Through KubeApiDouble (tests/doubles/kube_api.py), whose PATCH of a missing object answers the
API server's 404 Status."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingChangedOutside
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import with_canary

NS, NAME = "ml", "credit"
V1, V2, V3 = (f"gs://models/v{i}" for i in (1, 2, 3))


class DeletedBeforePatch(InferenceServices):
    """The InferenceService is deleted (``kubectl delete isvc``) just before the next PATCH."""

    def __init__(self, kube):
        super().__init__(NS, api_client=kube.api_client())
        self.kube = kube
        self.armed = False

    def patch(self, name, patch):
        if self.armed:
            self.armed = False
            self.kube.objects.pop((NS, name))
        return super().patch(name, patch)


@pytest.fixture
def deleting(kube):
    isvcs = DeletedBeforePatch(kube)
    with_canary(isvcs, NAME, V1, V2)
    isvcs.armed = True
    return isvcs


STEPS = {
    "promote": lambda i: rollout.promote(i, NAME, timeout_s=5),
    "set_traffic": lambda i: rollout.set_traffic(i, NAME, 25, timeout_s=5),
    "deploy": lambda i: rollout.deploy(
        i, name=NAME, model_name="credit", version="3", storage_uri=V3, timeout_s=5
    ),
    "rollback": lambda i: rollout.rollback(
        i, NAME, version="1", storage_uri=V1, timeout_s=5, failed_storage_uri=V2
    ),
}


@pytest.mark.parametrize("step", sorted(STEPS))
def test_a_deletion_before_the_patch_is_a_change_outside(deleting, kube, step):
    with pytest.raises(ServingChangedOutside) as err:
        STEPS[step](deleting)
    message = str(err.value)
    assert f"InferenceService {NS}/{NAME} was deleted" in message, message
    assert "HTTP 404" in message and "\n" not in message
    assert (NS, NAME) not in kube.objects  # nothing created by the patch


def test_patch_of_a_missing_inference_service_says_it_does_not_exist(isvcs):
    with pytest.raises(ServingChangedOutside) as err:
        isvcs.patch(NAME, {"spec": {"predictor": {"canaryTrafficPercent": 5}}})
    assert "does not exist" in str(err.value) and "HTTP 404" in str(err.value)
