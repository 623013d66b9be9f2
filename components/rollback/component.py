"""KFP interface of ``rollback_model``."""

from typing import NamedTuple

from ctloop.kfp_support import component


@component
def rollback_model(
    model_name: str,
    failed_version: str,
    inference_service: str,
    namespace: str,
    reason: str,
    to_version: str = "",
    timeout_seconds: int = 600,
    tracking_uri: str = "",
    pipeline_run_id: str = "",
) -> NamedTuple("RollbackOutputs", [("serving_version", str)]):
    """Route all traffic back to the stable model and make that durable.

    First ``canaryTrafficPercent: 0`` (traffic back at once), then the target version's
    storageUri written back into the spec (still at 0 %), then the canary field removed once its
    revision is ready — so the spec no longer names the failed model and it never gets traffic
    back. The failed version is tagged with why; the registry aliases are left on the champion.

    Args:
        model_name: Registered model name in MLflow.
        failed_version: The version being rolled back (tagged ``ctloop.rollout.status=rolled_back``);
            empty for a manual "serve version N again".
        inference_service: InferenceService name.
        namespace: Its Kubernetes namespace.
        reason: Why (the analysis reason, or an operator's words).
        to_version: Version to serve instead; empty means the current ``champion``.
        timeout_seconds: How long to wait for each step to show in the status.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        pipeline_run_id: KFP run id, recorded in the audit trail.

    Returns:
        serving_version: The version serving 100 % afterwards.
    """
    from collections import namedtuple

    from ctloop.errors import RegistryError
    from ctloop.registry import MlflowRegistry
    from ctloop.serving import rollout
    from ctloop.serving.kube import InferenceServices

    registry = MlflowRegistry(tracking_uri)
    target = to_version
    if not target:
        champion = registry.champion(model_name)
        if champion is None:
            raise RegistryError(f"{model_name} has no champion to roll back to: pass to_version")
        target = champion.version
    state = rollout.rollback(InferenceServices(namespace), inference_service, version=target,
                             storage_uri=registry.model_artifact_uri(model_name, target), timeout_s=timeout_seconds)
    if failed_version:
        registry.set_tags(model_name, failed_version, {"ctloop.rollout.status": "rolled_back",
                                                       "ctloop.rollout.reason": reason,
                                                       "ctloop.rollout.pipeline_run": pipeline_run_id})
    registry.record_event(model_name, failed_version or target, {"event": "rollback", "reason": reason, "to_version": target,
                                                       "pipeline_run": pipeline_run_id, **state.to_dict()})
    print(f"ctloop: {inference_service} rolled back from v{failed_version} to v{target}: {reason}")
    return namedtuple("RollbackOutputs", ["serving_version"])(target)
