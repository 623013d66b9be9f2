"""``ctloop doctor``'s InferenceService line says what a rollout does with the service.

ctloop's rollout refuses any deployment mode but Knative, whatever the strategy
(``isvc.check_deployment_mode``), and creates a missing service in Knative mode (its template
writes ``serving.kserve.io/deploymentMode: Knative`` over the cluster's default). The doctor
said OK for a Standard service with ``strategy: blue-green`` (every deploy then refused), advised
blue-green as the fix for a canary there, FAILed a service not created yet on a cluster whose
default mode is Standard ("it would run in Standard mode", which it never does) and then called
Knative "not needed". It said nothing of a service KServe no longer reconciles (being deleted;
``disable-auto-update`` while Ready: KServe v0.20.0 ``controller.go`` ``Reconcile``), where every
rollout is now refused (``isvc.check_reconciled``). Unit level: the check's read is the object."""

from __future__ import annotations

import pytest

from ctloop.ops.doctor import FAIL, OK, WARN, Doctor, DoctorOptions, Target
from ctloop.serving import isvc as specs

NS, NAME = "ctloop", "credit-default"


def _doctor(obj, default_mode=""):
    doctor = Doctor(DoctorOptions(targets=[Target(NAME, NS, strategy="blue-green")]), kube=object())
    doctor.kserve_default_mode = default_mode
    doctor._no_kube = lambda _name: None
    doctor._api = lambda _kind: type("Api", (), {"get_namespaced_custom_object": None})()
    doctor._read = lambda *_args: obj
    return doctor


def _isvc(**status):
    obj = specs.inference_service(
        NAME, namespace=NS, model_name="credit", version="1", storage_uri="gs://m/v1"
    )
    obj["status"] = {
        "deploymentMode": "Knative",
        "conditions": [{"type": "Ready", "status": "True"}],
        "components": {
            "predictor": {
                "latestCreatedRevision": "r1",
                "latestReadyRevision": "r1",
                "traffic": [{"revisionName": "r1", "percent": 100, "latestRevision": True}],
            }
        },
    }
    obj["status"].update(status)
    return obj


@pytest.mark.parametrize("mode", ["Standard", "RawDeployment", "ModelMesh"])
def test_a_service_in_another_mode_fails_for_blue_green_too(mode):
    check = _doctor(_isvc(deploymentMode=mode)).check_isvc(Target(NAME, NS, strategy="blue-green"))
    assert check.status == FAIL and f"runs in {mode} mode" in check.detail, check.line()
    assert "recreate it in Knative mode" in check.fix


@pytest.mark.parametrize("default", ["Standard", "RawDeployment"])
def test_a_missing_service_is_created_in_knative_mode_whatever_the_default(default):
    doctor = _doctor(None, default_mode=default)
    check = doctor.check_isvc(Target(NAME, NS, strategy="canary"))
    assert check.status == WARN, check.line()
    assert "creates it in Knative mode" in check.detail and doctor.needs_knative


def test_a_service_being_deleted_fails():
    obj = _isvc()
    obj["metadata"].update({"deletionTimestamp": "2026-12-06T10:00:00Z", "finalizers": ["x/y"]})
    check = _doctor(obj).check_isvc(Target(NAME, NS))
    assert check.status == FAIL and check.detail.startswith("is being deleted"), check.line()


def test_a_ready_service_with_auto_update_disabled_fails():
    obj = _isvc()
    obj["metadata"]["annotations"][specs.DISABLE_AUTO_UPDATE_ANNOTATION] = "true"
    check = _doctor(obj).check_isvc(Target(NAME, NS))
    assert check.status == FAIL and "disable-auto-update" in check.detail, check.line()
    assert "kubectl annotate" in check.fix


def test_a_knative_service_is_ok():
    check = _doctor(_isvc()).check_isvc(Target(NAME, NS))
    assert check.status == OK and check.detail == "Knative mode, stable revision r1", check.line()
