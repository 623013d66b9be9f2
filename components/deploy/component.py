"""KFP interface of ``deploy_canary``."""

from typing import NamedTuple

from ctloop.kfp_support import component


@component
def deploy_canary(
    model_name: str,
    version: str,
    inference_service: str,
    namespace: str,
    strategy: str = "canary",
    first_step_percent: int = 5,
    timeout_seconds: int = 600,
    tracking_uri: str = "",
    pipeline_run_id: str = "",
) -> NamedTuple("DeployOutputs", [("action", str), ("latest_revision", str), ("previous_revision", str),
                                  ("storage_uri", str)]):
    """Roll a registered version out to a KServe InferenceService (serving.kserve.io/v1beta1).

    Resolves the version to the directory of its exported ``model.joblib`` (the sklearn runtime
    cannot read MLflow's ``model.skops``; the file's sha256 was recorded at training time), then
    creates or patches the InferenceService with the ``kubernetes`` client. The first deployment
    goes straight to 100 %; otherwise ``canary`` sends ``first_step_percent`` % to the new
    revision and ``blue-green`` switches 100 % once it is ready. Re-deploying the version already
    in the spec changes nothing. Waits for ``status.components.predictor`` to show the new
    revision ready and the expected traffic split. A RawDeployment/Standard service is refused.

    Args:
        model_name: Registered model name in MLflow.
        version: Version to deploy.
        inference_service: InferenceService name.
        namespace: Kubernetes namespace of the InferenceService.
        strategy: ``canary`` (Serverless mode, traffic steps) or ``blue-green``.
        first_step_percent: Canary share of the first step (the traffic plan's first entry).
        timeout_seconds: How long to wait for the new revision and traffic split.
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
    from ctloop.serving import rollout
    from ctloop.serving.kube import InferenceServices

    registry = MlflowRegistry(tracking_uri)
    uri = registry.model_artifact_uri(model_name, version)
    state = rollout.deploy(InferenceServices(namespace), name=inference_service, model_name=model_name,
                           version=version, storage_uri=uri, percent=first_step_percent, strategy=strategy,
                           timeout_s=timeout_seconds)
    registry.record_event(model_name, version, {"event": "deploy", "strategy": strategy, "storage_uri": uri,
                                                "pipeline_run": pipeline_run_id, **state.to_dict()})
    print(f"ctloop: {inference_service}: {state.action}, traffic {state.traffic}")
    return namedtuple("DeployOutputs", ["action", "latest_revision", "previous_revision", "storage_uri"])(
        state.action, state.latest_revision, state.previous_revision, uri)
