"""KFP interface of ``promote_model`` (registry promotion)."""

from typing import NamedTuple

from ctloop.kfp_support import component


@component
def promote_model(
    model_name: str,
    version: str,
    reason: str,
    tracking_uri: str = "",
    pipeline_run_id: str = "",
    inference_service: str = "",
    namespace: str = "",
    timeout_seconds: int = 600,
) -> NamedTuple("PromoteOutputs", [("previous_champion", str)]):
    """Make a registered version the ``champion``, keeping the previous one findable.

    Moves the MLflow alias ``champion`` to ``version`` (read back to detect a concurrent writer),
    points ``previous-champion`` at the version it replaces, tags both versions with the
    hand-over time, reason and pipeline run, and writes an audit record. Promoting the current
    champion again changes nothing.

    Args:
        model_name: Registered model name in MLflow.
        version: Version to promote (from ``register_model``).
        reason: Why (the gate's reason); stored on the version and in the audit record.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        pipeline_run_id: KFP run id (pass ``dsl.PIPELINE_JOB_ID_PLACEHOLDER``).
        inference_service: InferenceService serving the canary; when set, its
            ``canaryTrafficPercent`` is removed first (merge-patch null) so the canary takes 100 %,
            then the alias moves. Empty: registry promotion only.
        namespace: The InferenceService's Kubernetes namespace.
        timeout_seconds: How long to wait for the 100 % split to show in the status.

    Returns:
        previous_champion: The version that was champion before ("" if none).
    """
    from collections import namedtuple

    from ctloop.registry import MlflowRegistry

    registry = MlflowRegistry(tracking_uri)
    if inference_service:
        from ctloop.serving import rollout
        from ctloop.serving.kube import InferenceServices

        state = rollout.promote(InferenceServices(namespace), inference_service, timeout_s=timeout_seconds)
        registry.record_event(model_name, version, {"event": "traffic_promote", "pipeline_run": pipeline_run_id,
                                                    **state.to_dict()})
    previous = registry.promote(model_name, version, reason=reason, pipeline_run=pipeline_run_id)
    print(f"ctloop: {model_name} champion -> v{version} (previous: {previous or 'none'})")
    return namedtuple("PromoteOutputs", ["previous_champion"])(previous or "")
