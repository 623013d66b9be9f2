"""KFP interface of ``record_decision``: the audit record of a branch not taken."""

from ctloop.kfp_support import component


@component
def record_decision(
    model_name: str,
    decision: str,
    reason: str,
    version: str = "",
    tracking_uri: str = "",
    pipeline_run_id: str = "",
):
    """Write an audit record for a decision that changes nothing (no retrain, gate rejection).

    Every decision of the loop is recorded, not only the ones that act: the record lands in the
    MLflow experiment ``<model_name>-audit`` (see ``ctloop.registry.MlflowRegistry.audit_log``).

    Args:
        model_name: Registered model name in MLflow.
        decision: What was decided, e.g. ``no_retrain``, ``rejected``, ``not_promoted``.
        reason: Why, in words (the drift or gate reason).
        version: Model version concerned, if any ("" when no version was registered).
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        pipeline_run_id: KFP run id (pass ``dsl.PIPELINE_JOB_ID_PLACEHOLDER``).
    """
    from ctloop.registry import MlflowRegistry

    MlflowRegistry(tracking_uri).record_event(
        model_name, version, {"event": decision, "reason": reason, "pipeline_run": pipeline_run_id}
    )
    print(f"ctloop: recorded decision {decision!r} for {model_name}: {reason}")
