"""KFP interface of ``deploy_canary``."""

from typing import NamedTuple

from ctloop.kfp_support import component


@component
def deploy_canary(
    model_name: str,
    version: str,
    rollout: dict,
    tracking_uri: str = "",
    pipeline_run_id: str = "",
) -> NamedTuple("DeployOutputs", [("action", str), ("latest_revision", str), ("previous_revision", str),
                                  ("storage_uri", str)]):
    """Roll a registered version out to a KServe InferenceService (serving.kserve.io/v1beta1).

    Resolves the version to the directory of its exported ``model.joblib`` (the file's sha256 was
    recorded at training time), then creates or patches the InferenceService with the
    ``kubernetes`` client. The first deployment goes straight to 100 %; otherwise ``canary`` sends
    the traffic plan's first step to the new revision and ``blue-green`` switches 100 % once it is
    ready. Re-deploying the version already in the spec changes nothing once it serves all
    traffic; still a canary (this step retried after its patch landed), it resumes at the plan's
    first step and is analysed like a fresh one. Waits for
    ``status.components.predictor`` to show the new revision ready and the expected traffic split.
    If that fails while the spec names the new model, traffic is put back on the champion (its
    storageUri written back) before the step fails. A spec changed by someone else while the step
    waited (``canaryTrafficPercent`` patched by hand, another model deployed), or while its rollback
    waited (the InferenceService deleted, ``canaryTrafficPercent`` patched by hand), is held instead: the
    step fails naming the change, nothing is rolled back and nothing after it runs — whoever changed
    it decides; the version is tagged ``ctloop.rollout.held`` with the run (a failed deploy whose rollback
    was held so is also tagged ``ctloop.rollout.status=rollback_held`` and loses alias ``challenger``,
    as any failed deploy's), and every later attempt of
    this step in that run (an Argo retry, KFP "Retry run") fails at once without deploying over the
    change: a new run deploys it. A new revision not ready within ``timeout_seconds`` and rolled back is not transient:
    the run is recorded on the version (``ctloop.rollout.not_ready``) and Argo's automatic retry of
    this step in that run (``KFP_RETRY_INDEX`` > 0) fails at once, writing nothing but a rollback
    record an earlier attempt failed to write, and the alias it removes, instead of waiting as long again; the run retried as a whole (KFP "Retry run") deploys again, except where
    the step has no retry index (no retry policy: a retry by hand cannot be told from Argo's), where a
    new run deploys it (docs/operations.md "Retries on a stock KFP install"). A Standard (RawDeployment) service is
    refused. The continuous-training run that registered the version deploys it only while the champion its gate
    compared it with (tag ``ctloop.gate_champion``) is champion still (or none is): another run's promotion since
    fails the step before anything is written. Code:
    ``ctloop.serving.release.deploy``.

    Args:
        model_name: Registered model name in MLflow.
        version: Version to deploy.
        rollout: The ``rollout`` section (``ctloop.config.RolloutConfig``; docs/configuration.md):
            ``inference_service`` and ``namespace`` (required), ``strategy``, ``traffic_plan``,
            ``timeout_seconds``.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        pipeline_run_id: KFP run id, recorded in the audit trail.

    Returns:
        action: ``created``, ``canary``, ``switched`` or ``unchanged``.
        latest_revision: The revision serving the new version.
        previous_revision: The stable revision (empty on first deployment).
        storage_uri: The storageUri written into the spec.
    """
    from collections import namedtuple

    from ctloop.registry import MlflowRegistry
    from ctloop.serving import release
    from ctloop.serving.kube import InferenceServices

    with release.bad_input_exits():  # bad input (ConfigError): one line on stderr, exit 2, not a traceback
        cfg = release.rollout_config_or_exit(rollout)  # a bad field: one line, exit 2
        isvcs = InferenceServices(cfg.namespace, kserve_namespace=cfg.kserve_namespace)
        release.kserve_namespace_or_exit(isvcs, cfg)  # a bad CTLOOP_KSERVE_NAMESPACE this service would read: exit 2
        state, uri = release.deploy(MlflowRegistry(tracking_uri), isvcs, model_name=model_name,
                                    version=version, cfg=cfg, run_id=pipeline_run_id)
        print(f"ctloop: {cfg.inference_service}: {state.action}, traffic {state.traffic}")
        return namedtuple("DeployOutputs", ["action", "latest_revision", "previous_revision", "storage_uri"])(
            state.action, state.latest_revision, state.previous_revision, uri)
