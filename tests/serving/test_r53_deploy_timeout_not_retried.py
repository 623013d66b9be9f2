"""A readiness timeout of ``deploy_canary`` cost the wait three times over.

``deploy_canary`` is a retried step (``ops.settings.RETRIED_STEPS``, ``platform.retries`` 2), and
Argo retries a step that exits non-zero whenever its retryPolicy covers failures (``OnFailure``,
``Always``: argo-workflows v4.0.5 ``workflow/controller/operator.go`` ``processNodeRetries``). KFP
2.17.0 compiles no ``expression`` nor ``retryPolicy`` into the step's ``retryStrategy``
(``backend/src/v2/compiler/argocompiler/container.go`` ``getTaskRetryStrategyFromInput``: limit and
backoff only), so no exit code can tell Argo "do not retry". When the new revision never became
ready, the step waited ``rollout.timeout_seconds``, rolled back, failed — and each retry deployed
the same model again, waited as long again and rolled back again.

The first attempt now records the timeout on the version (``ctloop.rollout.not_ready``: the
pipeline run) with its rollback (or alone, with nothing to roll back to); a retry of the same run
refuses at once, writing nothing. Another run may deploy the version again. Both tests failed
before: the retry deployed again, waited its timeout and rolled back again.

Through KubeApiDouble (``stall_revisions``: v2's revision neither ready nor failed) and a real
MLflow store (tests/serving/test_rollout_components.py)."""

from __future__ import annotations

import dataclasses
import functools
import time

import pytest

from ctloop.components.deploy.component import deploy_canary
from ctloop.config import RolloutConfig
from ctloop.errors import ServingError
from ctloop.serving import kube as kube_mod
from ctloop.serving import release, rollout
from ctloop.serving.kube import InferenceServices
from ctloop.storage import kserve_storage_uri
from tests.serving.test_rollout_components import ISVC, MODEL, NS, RELEASE, kube, registered

__all__ = ["kube", "registered"]  # fixtures

RUN = "run-a"


def test_the_retry_of_a_timed_out_deploy_refuses_at_once(registered, kube, monkeypatch):
    # v1 serves; v2's deploy in pipeline run run-a times out (its revision never ready) and puts
    # traffic back on v1
    uri, registry = registered
    monkeypatch.setattr(rollout, "wait_for", functools.partial(kube_mod.wait_for, poll_s=0.02))
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    cfg = dataclasses.replace(RolloutConfig.from_dict(RELEASE), timeout_seconds=0.3)
    kube.stall_revisions(kserve_storage_uri(registry.model_artifact_uri(MODEL, "2")))
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with pytest.raises(ServingError, match="traffic is back on v1"):
        release.deploy(registry, isvcs, model_name=MODEL, version="2", cfg=cfg, run_id=RUN)
    v1_uri = kserve_storage_uri(registry.model_artifact_uri(MODEL, "1"))
    assert isvcs.get(ISVC)["spec"]["predictor"]["model"]["storageUri"] == v1_uri

    n = len(kube.calls)
    started = time.monotonic()
    with pytest.raises(ServingError) as info:  # KFP's retry of the step, 30 s later
        release.deploy(registry, isvcs, model_name=MODEL, version="2", cfg=cfg, run_id=RUN)
    took = time.monotonic() - started
    msg = str(info.value)
    assert "not ready within" in msg and "not transient" in msg and "nothing written" in msg, msg
    assert "ctloop.rollout.status=rolled_back: deploy failed" in msg, msg
    assert took < cfg.timeout_seconds, took  # not the wait again
    assert not [c for c in kube.calls[n:] if c[0] != "GET"]
    assert isvcs.get(ISVC)["spec"]["predictor"]["model"]["storageUri"] == v1_uri

    # another run deploys the version again (its image pulls now)
    kube.stalled_uris.clear()
    state, v2_uri = release.deploy(
        registry, isvcs, model_name=MODEL, version="2", cfg=cfg, run_id="run-b"
    )
    assert state.action == "canary"
    assert isvcs.get(ISVC)["spec"]["predictor"]["model"]["storageUri"] == v2_uri


def test_a_first_deployment_that_timed_out_is_recorded_too(registered, kube, monkeypatch):
    # nothing to roll back to (the champion's own first deployment): the spec keeps the model, and
    # the retry still does not wait again
    uri, registry = registered
    monkeypatch.setattr(rollout, "wait_for", functools.partial(kube_mod.wait_for, poll_s=0.02))
    cfg = dataclasses.replace(RolloutConfig.from_dict(RELEASE), timeout_seconds=0.3)
    kube.stall_revisions(kserve_storage_uri(registry.model_artifact_uri(MODEL, "1")))
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with pytest.raises(ServingError, match="not reached within"):
        release.deploy(registry, isvcs, model_name=MODEL, version="1", cfg=cfg, run_id=RUN)
    assert registry.get_version(MODEL, "1").tags["ctloop.rollout.not_ready"] == RUN
    n = len(kube.calls)
    with pytest.raises(ServingError, match="refused: this run .* not ready within"):
        release.deploy(registry, isvcs, model_name=MODEL, version="1", cfg=cfg, run_id=RUN)
    assert not [c for c in kube.calls[n:] if c[0] != "GET"]
