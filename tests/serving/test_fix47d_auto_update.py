"""Only ``serving.kserve.io/disable-auto-update: "true"`` stops KServe's reconcile, not ``"True"``.

KServe v0.20.0 ``pkg/controller/v1beta1/inferenceservice/controller.go`` (line 218, ``Reconcile``)
skips a Ready InferenceService whose annotation is exactly ``"true"`` (``disableAutoUpdate ==
"true"``): ``"True"`` or ``"TRUE"`` are reconciled as any other. ctloop compared the value
lower-cased and refused such a service's rollouts (``nothing written``) though KServe would route
them; the refusal's hint also left out the namespace. Through tests/doubles/kube_api_template.py
ReconcileGateDouble (which compares exactly, as controller.go does)."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api_template import DISABLE_AUTO_UPDATE, ReconcileGateDouble

NS, NAME = "ml", "credit"
V1, V2 = "gs://models/v1", "gs://models/v2"


def _deploy(isvcs, version, uri):
    return rollout.deploy(
        isvcs,
        name=NAME,
        model_name="credit",
        version=version,
        storage_uri=uri,
        percent=10,
        timeout_s=4,
    )


@pytest.mark.parametrize("value", ["True", "TRUE"])
def test_a_value_kserve_does_not_read_as_true_is_rolled_out(value):
    with ReconcileGateDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        _deploy(isvcs, "1", V1)
        kube.objects[(NS, NAME)]["metadata"]["annotations"][DISABLE_AUTO_UPDATE] = value
        assert _deploy(isvcs, "2", V2).traffic  # reconciled: the canary's split came
        assert isvcs.get(NAME)["spec"]["predictor"]["model"]["storageUri"] == V2


def test_the_refusal_names_the_namespace_in_its_fix():
    with ReconcileGateDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        _deploy(isvcs, "1", V1)
        kube.objects[(NS, NAME)]["metadata"]["annotations"][DISABLE_AUTO_UPDATE] = "true"
        with pytest.raises(
            ServingError, match=f"kubectl annotate isvc {NAME} -n {NS} {DISABLE_AUTO_UPDATE}-"
        ):
            _deploy(isvcs, "2", V2)
