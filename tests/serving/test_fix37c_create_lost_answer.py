"""A create the API server applied but answered 5xx (its 504 request timeout, which does not stop
the write: k8s.io/apiserver ``pkg/server/filters/timeout.go``) is sent again by the client's 5xx
retry; the resend is answered 409 AlreadyExists. Before: ServingConflictError, though the
InferenceService exists with our model (review revB e.py). Now it is read back: ours (same
storageUri) is the answer, another model's is still the conflict."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingConflictError
from ctloop.serving.kube import InferenceServices

NS, NAME = "ml", "iris"
V1, V2 = "gs://models/run1/artifacts/model-joblib", "gs://models/run2/artifacts/model-joblib"


def body(uri: str) -> dict:
    return {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
            "metadata": {"name": NAME, "namespace": NS},
            "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "storageUri": uri}}}}


@pytest.mark.parametrize("code", [504, 500])
def test_a_create_applied_then_answered_5xx_is_ours_after_the_resend_409(kube, code):
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    kube.fail_after_write(code)
    found = isvcs.create(body(V1))
    assert found["spec"]["predictor"]["model"]["storageUri"] == V1
    assert [m for m, *_ in kube.calls].count("POST") == 2


def test_a_409_for_another_models_object_is_still_a_conflict(kube):
    kube.create_isvc(NS, body(V2))
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    kube.fail_next(504)  # not applied: the resend meets the other run's InferenceService
    with pytest.raises(ServingConflictError, match="409"):
        isvcs.create(body(V1))


def test_a_first_answer_409_is_a_conflict_without_a_read(kube):
    kube.create_isvc(NS, body(V1))
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with pytest.raises(ServingConflictError, match="409"):
        isvcs.create(body(V1))
