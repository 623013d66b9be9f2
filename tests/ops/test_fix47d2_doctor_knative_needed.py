"""A Knative-mode InferenceService KServe no longer reconciles still needs Knative Serving.

``Doctor.check_isvc`` failed a Knative-mode service being deleted, or with
``serving.kserve.io/disable-auto-update: "true"`` while Ready (``isvc.check_reconciled``), before
it counted the service as needing Knative; ``check_knative`` then said "Knative Serving: not
installed, not needed (no Serverless InferenceService)" beside it (review 2D of round 47). The
service runs on Knative whatever its reconcile: the doctor now counts it first. Unit level: the
doctor's reads are the objects given (no Kubernetes API here)."""

from __future__ import annotations

import pytest

from ctloop.ops.doctor import FAIL, Target
from ctloop.serving import isvc as specs
from tests.ops.test_fix47d_doctor_isvc import NAME, NS, _doctor


def _being_deleted(obj):
    obj["metadata"]["deletionTimestamp"] = "2026-12-06T11:00:00Z"
    obj["metadata"]["finalizers"] = ["inferenceservice.finalizers"]


def _auto_update_off(obj):
    obj["metadata"]["annotations"][specs.DISABLE_AUTO_UPDATE_ANNOTATION] = "true"
    obj["status"]["conditions"] = [{"type": "Ready", "status": "True"}]


@pytest.mark.parametrize(
    "unreconciled", [_being_deleted, _auto_update_off], ids=["being-deleted", "auto-update-off"]
)
def test_an_unreconciled_knative_service_still_needs_knative(unreconciled):
    obj = specs.inference_service(
        NAME, namespace=NS, model_name="credit", version="1", storage_uri="gs://m/v1"
    )
    obj["status"] = {"deploymentMode": "Serverless"}
    unreconciled(obj)
    doctor = _doctor(obj, "Serverless")
    isvc = doctor.check_isvc(Target(NAME, NS))
    assert isvc.status == FAIL and "KServe" in isvc.detail, isvc.line()
    knative = doctor.check_knative()  # no knative-serving namespace, no controller
    assert knative.status == FAIL and knative.detail.startswith("not installed"), knative.line()
