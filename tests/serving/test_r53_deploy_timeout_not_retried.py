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
pipeline run) with its rollback; Argo's automatic retry of the step in that run refuses at once,
writing nothing. The first test failed before: the retry deployed again, waited its timeout and
rolled back again.

Round 53's review of that change (each test below failed on it):

- Only Argo's automatic retry refuses: KFP 2.17.0 gives a retried step ``KFP_RETRY_INDEX`` =
  Argo's ``{{retries}}`` (``backend/src/v2/compiler/argocompiler/common.go`` ``retryIndexEnv``,
  ``container.go``), which argo-workflows v4.0.5 sets to the count of the step's earlier attempts
  (``workflow/controller/operator.go`` ``executeTemplate``: ``retryNum = len(childNodeIDs)``). A run
  retried as a whole after the cause is fixed recreates the Retry node without its failed
  attempts, so 0 again — KFP's "Retry run" (``backend/src/apiserver/resource/resource_manager.go``
  ``RetryRun`` → ``backend/src/common/util/workflow.go`` ``GenerateRetryExecution``: failed nodes
  but DAGs dropped), ``argo retry`` (v4.0.5 ``workflow/util/util.go`` ``FormulateRetryWorkflow``:
  failed attempts deleted, their Retry node reset) — and deploys again (it was refused forever).
- A first deployment is not recorded: the spec keeps the model and the retry waits on the same
  revision (``rollout.deploy``'s "already in the spec" path), which may become ready meanwhile
  (it was refused).
- Only a new revision never ready is recorded (``RevisionNotReady``), not a timeout where KServe
  had not reconciled the spec yet (its retry was refused naming a revision "not ready").

Through KubeApiDouble (``stall_revisions``: v2's revision neither ready nor failed) and a real
MLflow store (tests/serving/test_rollout_components.py)."""

from __future__ import annotations

import dataclasses
import functools

import pytest

from ctloop.components.deploy.component import deploy_canary
from ctloop.config import RolloutConfig
from ctloop.errors import RevisionNotReady, ServingError, ServingTimeoutError
from ctloop.serving import kube as kube_mod
from ctloop.serving import release, rollout
from ctloop.serving.kube import InferenceServices
from ctloop.storage import kserve_storage_uri
from tests.serving.test_rollout_components import ISVC, MODEL, NS, RELEASE, kube, registered

__all__ = ["kube", "registered"]  # fixtures

RUN = "run-a"
TIMEOUT_S = 0.2  # each test waits it out once
RETRY_INDEX = "KFP_RETRY_INDEX"  # KFP 2.17.0 v2/component/constants.go EnvRetryIndex


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(rollout, "wait_for", functools.partial(kube_mod.wait_for, poll_s=0.02))
    monkeypatch.setenv(RETRY_INDEX, "0")  # the step's first attempt
    return dataclasses.replace(RolloutConfig.from_dict(RELEASE), timeout_seconds=TIMEOUT_S)


def test_the_automatic_retry_of_a_timed_out_deploy_refuses_at_once(registered, kube, fast, monkeypatch):
    # v1 serves; v2's deploy in pipeline run run-a times out (its revision never ready) and puts
    # traffic back on v1
    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    kube.stall_revisions(kserve_storage_uri(registry.model_artifact_uri(MODEL, "2")))
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with pytest.raises(ServingError, match="traffic is back on v1") as first:
        release.deploy(registry, isvcs, model_name=MODEL, version="2", cfg=fast, run_id=RUN)
    assert isinstance(first.value.__cause__, RevisionNotReady), repr(first.value.__cause__)
    v1_uri = kserve_storage_uri(registry.model_artifact_uri(MODEL, "1"))
    assert isvcs.get(ISVC)["spec"]["predictor"]["model"]["storageUri"] == v1_uri

    n = len(kube.calls)
    waited = []
    with monkeypatch.context() as m:
        # not the wait again: any wait on a revision is recorded (a timed bound flaked under load)
        m.setattr(rollout, "wait_for", lambda *a, **k: waited.append(a) or pytest.fail("the retry waited again"))
        monkeypatch.setenv(RETRY_INDEX, "1")  # Argo's retry of the step, 30 s later
        with pytest.raises(ServingError) as info:
            release.deploy(registry, isvcs, model_name=MODEL, version="2", cfg=fast, run_id=RUN)
    msg = str(info.value)
    assert "not ready within" in msg and "not transient" in msg and "nothing written" in msg, msg
    assert f"({RETRY_INDEX}=1)" in msg and 'KFP "Retry run"' in msg and "the rollout pipeline" in msg, msg
    assert "ctloop.rollout.status=rolled_back: deploy failed" in msg, msg
    assert not waited, waited
    assert not [c for c in kube.calls[n:] if c[0] != "GET"]
    assert isvcs.get(ISVC)["spec"]["predictor"]["model"]["storageUri"] == v1_uri
    # docs/operations.md quotes both attempts' messages
    print(f"{first.value}\n{info.value}")

    # the operator fixed the cause (the image pulls now) and retried the run as a whole: KFP's
    # "Retry run" keeps the run id and recreates the step's Retry node, {{retries}} 0 again
    kube.stalled_uris.clear()
    monkeypatch.setenv(RETRY_INDEX, "0")
    state, v2_uri = release.deploy(registry, isvcs, model_name=MODEL, version="2", cfg=fast, run_id=RUN)
    assert state.action == "canary"
    assert isvcs.get(ISVC)["spec"]["predictor"]["model"]["storageUri"] == v2_uri


def test_a_first_deployment_that_timed_out_waits_again_on_retry(registered, kube, fast, monkeypatch):
    # nothing to roll back to (the champion's own first deployment): the spec keeps the model, and
    # Argo's retry waits on the same revision, which became ready during the backoff (a slow pull)
    uri, registry = registered
    v1_uri = kserve_storage_uri(registry.model_artifact_uri(MODEL, "1"))
    kube.stall_revisions(v1_uri)
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with pytest.raises(ServingTimeoutError, match="not reached within"):
        release.deploy(registry, isvcs, model_name=MODEL, version="1", cfg=fast, run_id=RUN)
    assert "ctloop.rollout.not_ready" not in registry.get_version(MODEL, "1").tags
    kube.stalled_uris.clear()
    monkeypatch.setenv(RETRY_INDEX, "1")
    state, have = release.deploy(registry, isvcs, model_name=MODEL, version="1", cfg=fast, run_id=RUN)
    assert (state.action, have) == ("unchanged", v1_uri)  # its revision ready, serving all traffic
    assert len(kube.meta[(NS, ISVC)]["revisions"]) == 1  # the same revision, waited for again


def test_a_timeout_while_kserve_had_not_reconciled_is_not_recorded(registered, kube, fast, monkeypatch):
    # v2's patch lands, but KServe reconciles it only after many reads: no new revision was made
    # (latestCreated still v1's), a lag, not a revision that never becomes ready
    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    kube.lag_reconcile(10_000)
    rollback_traffic = release._rollback_traffic

    def reconciled_then_rolled_back(*args, **kwargs):
        kube.meta[(NS, ISVC)]["lag"] = 1  # KServe catches up once the deploy's wait ran out
        return rollback_traffic(*args, **kwargs)

    monkeypatch.setattr(release, "_rollback_traffic", reconciled_then_rolled_back)
    with pytest.raises(ServingError, match="traffic is back on v1") as info:
        release.deploy(registry, isvcs, model_name=MODEL, version="2", cfg=fast, run_id=RUN)
    assert "has not reconciled" in str(info.value) or "latestCreated=credit-predictor-00001," in str(info.value)
    assert not isinstance(info.value.__cause__, RevisionNotReady), repr(info.value.__cause__)
    assert "ctloop.rollout.not_ready" not in registry.get_version(MODEL, "2").tags, str(info.value)
    monkeypatch.setenv(RETRY_INDEX, "1")  # Argo's retry deploys again: KServe's lag is transient
    state, _ = release.deploy(registry, isvcs, model_name=MODEL, version="2", cfg=fast, run_id=RUN)
    assert state.action == "canary"


@pytest.mark.parametrize("value, index", [
    (None, None),  # a step without a retry strategy: KFP 2.17.0 injects the variable only with one
    ("0", 0), ("2", 2), (" 1\n", 1),
    ("{{retries}}", None),  # not substituted (container.go: valid only in a template with a retryStrategy)
    ("", None), ("-1", None),
])
def test_the_retry_index_is_read_as_kfp_injects_it(value, index):
    assert release.argo_retry_index({} if value is None else {RETRY_INDEX: value}) == index


def _timed_out_once(registered, kube, fast):
    """v1 serves; v2's deploy in run-a timed out (its revision never ready) and was rolled back."""
    uri, registry = registered
    deploy_canary.python_func(model_name=MODEL, version="1", rollout=RELEASE, tracking_uri=uri)
    kube.stall_revisions(kserve_storage_uri(registry.model_artifact_uri(MODEL, "2")))
    isvcs = InferenceServices(NS, api_client=kube.api_client())
    with pytest.raises(ServingError, match="traffic is back on v1"):
        release.deploy(registry, isvcs, model_name=MODEL, version="2", cfg=fast, run_id=RUN)
    kube.stalled_uris.clear()
    return registry, isvcs


def test_a_run_retried_by_hand_clears_the_record_so_its_own_retry_is_not_refused(
        registered, kube, fast, monkeypatch):
    """Round 53's review: the record was never cleared, so after a KFP "Retry run" (attempt 0) failed on
    something transient (an API server blip), Argo's retry of THAT attempt was refused for the earlier
    timeout ("its new revision was not ready"), which it had not met."""
    registry, isvcs = _timed_out_once(registered, kube, fast)
    real, blips = rollout.deploy, [1]

    def blip_once(*args, **kwargs):
        if blips:
            blips.pop()
            raise ServingError("the Kubernetes API server did not answer (a blip)")
        return real(*args, **kwargs)

    monkeypatch.setattr(rollout, "deploy", blip_once)
    monkeypatch.setenv(RETRY_INDEX, "0")  # KFP "Retry run"
    with pytest.raises(ServingError, match="a blip"):
        release.deploy(registry, isvcs, model_name=MODEL, version="2", cfg=fast, run_id=RUN)
    monkeypatch.setenv(RETRY_INDEX, "1")  # Argo's retry of that attempt
    state, _ = release.deploy(registry, isvcs, model_name=MODEL, version="2", cfg=fast, run_id=RUN)
    assert state.action == "canary"


def test_a_step_without_a_retry_index_is_refused_as_a_retry(registered, kube, fast, monkeypatch):
    """Round 53's review: with platform.retries 0 KFP injects no KFP_RETRY_INDEX, but Argo may still
    retry the step (the controller's templateDefaults, a workflow-level retryStrategy); read as 0, every
    such retry deployed again and waited the whole timeout again."""
    registry, isvcs = _timed_out_once(registered, kube, fast)
    monkeypatch.delenv(RETRY_INDEX)
    with pytest.raises(ServingError, match=r"KFP_RETRY_INDEX=unset\) does not; nothing written") as info:
        release.deploy(registry, isvcs, model_name=MODEL, version="2", cfg=fast, run_id=RUN)
    # a retry by hand is refused too: the way on is the rollout pipeline, not "Retry run"
    assert "deploy v2 with the rollout pipeline" in str(info.value) and "Retry run" not in str(info.value)
