"""A failed deploy puts traffic back on the champion with its own rollback; when that rollback is
held (another run's model took the spec meanwhile) the step still fails (``ServingError``), and
``deploy_canary`` is a retried step (``ops.settings.RETRIED_STEPS``). The retry, 30 s later, wrote
the failed version over the other run's canary: ``rollout.deploy`` replaces whatever canary the
spec names. A retry of the same run (the failed version tagged ``rollback_held`` by this pipeline
run) is now refused, nothing written; another run may still deploy that version.

Through KubeApiDouble (``fail_revisions``: the new revision fails where it would become ready) and
a real MLflow store (tests/serving/test_rollout_components.py)."""

from __future__ import annotations

import pytest

from ctloop.components.deploy.component import deploy_canary
from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import release
from ctloop.serving.kube import InferenceServices
from ctloop.storage import kserve_storage_uri
from tests.serving.test_rollout_components import ISVC, MODEL, NS, RELEASE, kube, registered

__all__ = ["kube", "registered"]  # fixtures

V3 = "gs://models/run3/artifacts/model-joblib"
OTHER = specs.canary_patch(version="3", storage_uri=V3, percent=20)


def held_deploy(registered, kube, monkeypatch):
    """v1 deployed; v2's deploy (pipeline run ``run-a``) fails (its revision fails) and its rollback
    is held (another run's v3 canary lands before the rollback reads). Returns the InferenceServices
    client and v2's storageUri."""
    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    v2_uri = kserve_storage_uri(registry.model_artifact_uri(MODEL, "2"))
    kube.fail_revisions(v2_uri)  # v2's revision fails: the deploy fails and rolls back
    real = release.rollout.rollback

    def another_run_meanwhile(isvcs_, name, **kw):
        isvcs_.patch(name, OTHER)  # another run's canary lands before the rollback reads
        for _ in range(3):
            isvcs_.get(name)
        return real(isvcs_, name, **kw)

    monkeypatch.setattr(release.rollout, "rollback", another_run_meanwhile)
    with pytest.raises(ServingError, match="held"):
        deploy_canary.python_func(
            model_name=MODEL,
            version="2",
            rollout=RELEASE,
            tracking_uri=uri,
            pipeline_run_id="run-a",
        )
    monkeypatch.setattr(release.rollout, "rollback", real)
    return isvcs, v2_uri


def test_a_retried_deploy_after_its_rollback_held_does_not_overwrite_the_other_canary(
    registered, kube, monkeypatch
):
    uri, _ = registered
    isvcs, _ = held_deploy(registered, kube, monkeypatch)
    assert isvcs.get(ISVC)["spec"]["predictor"]["model"]["storageUri"] == V3
    n = len(kube.calls)
    with pytest.raises(ServingError, match="rollback_held") as info:  # KFP's retry of the step
        deploy_canary.python_func(
            model_name=MODEL,
            version="2",
            rollout=RELEASE,
            tracking_uri=uri,
            pipeline_run_id="run-a",
        )
    assert "nothing written" in str(info.value)
    assert not [c for c in kube.calls[n:] if c[0] != "GET"]
    pred = isvcs.get(ISVC)["spec"]["predictor"]
    assert pred["model"]["storageUri"] == V3 and pred["canaryTrafficPercent"] == 20
