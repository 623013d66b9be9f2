"""``ctloop doctor`` on an InferenceService not created yet needs Knative whatever the default.

ctloop's template writes ``serving.kserve.io/deploymentMode: Knative`` (``isvc.inference_service``),
so the first deploy runs in Knative mode on every cluster. On a cluster whose default is already
Serverless/Knative the doctor did not count the missing service as needing Knative Serving and
said "Knative Serving: not installed, not needed"; with the default unknown it said "over the
cluster's default the cluster default". It also took a service with neither
``status.deploymentMode`` nor the annotation for the cluster default (FAIL on a Standard cluster)
while the rollout (``isvc.deployment_mode``, ``check_deployment_mode``) drives it as Knative: one
rule now. Unit level: the doctor's reads are the objects given (no Kubernetes API here)."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.ops.doctor import FAIL, OK, WARN, Doctor, DoctorOptions, Target
from ctloop.serving import isvc as specs

NS, NAME = "ctloop", "credit-default"


def _doctor(obj, default_mode):
    doctor = Doctor(DoctorOptions(targets=[Target(NAME, NS)]), kube=object())
    doctor.kserve_default_mode = default_mode
    doctor._no_kube = lambda _name: None
    api = {
        "get_namespaced_custom_object": None,
        "read_namespace": None,
        "read_namespaced_deployment": None,
    }
    doctor._api = lambda _kind: type("Api", (), api)()
    # the InferenceService is obj; no knative-serving namespace, no controller Deployment
    doctor._read = lambda fn, *args: obj if args and args[-1] == NAME else None
    return doctor


@pytest.mark.parametrize("default", ["Serverless", "Knative", "Standard", ""])
def test_a_missing_service_needs_knative_serving(default):
    doctor = _doctor(None, default)
    assert doctor.check_isvc(Target(NAME, NS)).status == WARN
    knative = doctor.check_knative()
    assert knative.status == FAIL and knative.detail.startswith("not installed"), knative.line()


def test_an_unknown_default_is_worded_as_unknown():
    check = _doctor(None, "").check_isvc(Target(NAME, NS))
    assert "the cluster default" not in check.detail, check.line()
    assert check.detail.endswith(
        f"{specs.MODE_ANNOTATION}: Knative whatever the cluster's default (unknown))"
    )


@pytest.mark.parametrize(("default", "status"), [("Knative", OK), ("Serverless", OK), ("Standard", FAIL),
                                               ("RawDeployment", FAIL), ("", WARN)])
def test_a_service_with_no_mode_field_is_judged_as_the_rollout_judges_it(default, status):
    """Neither status.deploymentMode nor the annotation (not reconciled yet, not created by ctloop):
    KServe v0.20.0 gives it the cluster's default (utils.go GetDeploymentMode); the rollout refuses
    it unless that is Knative (r54: it was taken for Knative whatever the default)."""
    obj = specs.inference_service(
        NAME, namespace=NS, model_name="credit", version="1", storage_uri="gs://m/v1"
    )
    obj["metadata"]["annotations"].pop(specs.MODE_ANNOTATION)
    check = _doctor(obj, default).check_isvc(Target(NAME, NS))
    assert check.status == status, check.line()
    if status == OK:
        specs.check_deployment_mode(obj, default)  # the rollout drives it
        assert check.detail.startswith("Knative (the cluster's default) mode"), check.line()
        return
    with pytest.raises(ServingError):
        specs.check_deployment_mode(obj, default)
    if status == FAIL:
        assert "Standard (the cluster's default)" in check.detail, check.line()
    else:
        assert check.detail.startswith("deployment mode unknown"), check.line()
