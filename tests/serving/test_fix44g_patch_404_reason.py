"""A 404 to a conditional patch keeps the API server's reason in the message.

Review G44: ``rollout._conditional_patch`` rewrote every 404 to its patch as "was deleted after
it was read (HTTP 404 to the patch)", dropping what the API server said. A 404 is not always a
deletion of the object: the API server answers 404 with its own reason for a namespace or a
resource type it does not serve (k8s.io/apiserver ``pkg/endpoints/handlers/patch.go``; a
``NotFound`` Status whose message names what is missing). The message now carries that reason.

Through KubeApiDouble (tests/doubles/kube_api.py): the double's own 404 Status of a deleted
InferenceService, ``inferenceservices "credit" not found``."""

from __future__ import annotations

from ctloop.errors import ServingChangedOutside
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import with_canary

NS, NAME = "ml", "credit"
V1, V2 = "gs://models/v1", "gs://models/v2"


class DeletedBeforePatch(InferenceServices):
    """The InferenceService is deleted just before the next PATCH."""

    def __init__(self, kube):
        super().__init__(NS, api_client=kube.api_client())
        self.kube = kube
        self.armed = False

    def patch(self, name, patch):
        if self.armed:
            self.armed = False
            self.kube.objects.pop((NS, name))
        return super().patch(name, patch)


def test_the_api_servers_reason_is_kept(kube):
    isvcs = DeletedBeforePatch(kube)
    with_canary(isvcs, NAME, V1, V2)
    isvcs.armed = True
    try:
        rollout.set_traffic(isvcs, NAME, 25, timeout_s=5)
    except ServingChangedOutside as exc:
        message = str(exc)
    else:
        raise AssertionError("no ServingChangedOutside")
    assert 'inferenceservices "credit" not found' in message, message
    assert "HTTP 404 Not Found" in message and "moving its canary to 25 %" in message, message
    assert "\n" not in message
