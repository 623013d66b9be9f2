"""KFP interface of ``record_decision``: the audit record of a branch not taken."""

from kfp import dsl

from ctloop.kfp_support import component


@component
def record_decision(
    model_name: str,
    decision: str,
    reason: str,
    version: str = "",
    tracking_uri: str = "",
    pipeline_run_id: str = "",
    judged: bool = True,
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
        judged: False for a rejection the gate could not judge (``evaluate_model``'s ``judged``):
            recorded as ``judged=false``, which monitoring reads (``MonitoringStore.mark_unjudged``).
    """
    from ctloop.registry import MlflowRegistry

    event = {"event": decision, "reason": reason, "pipeline_run": pipeline_run_id}
    if not judged:
        event["judged"] = "false"
    MlflowRegistry(tracking_uri).record_event(model_name, version, event)
    print(f"ctloop: recorded decision {decision!r} for {model_name}: {reason}")


@component
def record_run_outcome(
    model_name: str,
    pipeline: str,
    status: dsl.PipelineTaskFinalStatus,
    tracking_uri: str = "",
    pipeline_run_id: str = "",
):
    """The exit handler of every ctloop pipeline: a failed or cancelled run is a decision too.

    Runs after everything else, whatever happened (``dsl.ExitHandler``). A run that failed or was
    cancelled is written to the audit trail (``run_failed`` / ``run_cancelled``) with the failed
    task's error, so ``ctloop audit`` shows a night whose run crashed instead of nothing. A
    successful run already recorded its decisions; nothing is added. If MLflow itself is down,
    the outcome is printed and this step fails too (the run was already failed).

    Args:
        model_name: Registered model name in MLflow.
        pipeline: The pipeline's name (``continuous-training``, ``monitoring``, ``rollout``).
        status: KFP's final status of the run (set by KFP; not a run parameter).
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        pipeline_run_id: KFP run id (pass ``dsl.PIPELINE_JOB_ID_PLACEHOLDER``): the event's
            ``pipeline_run``, as every other event of the run records it and as the monitoring window
            that started the run tags it (``kfp_run``); the status's resource name (the workflow's
            name in open-source KFP) is kept as ``pipeline_job``.
    """
    from ctloop.components.record import core
    from ctloop.registry import MlflowRegistry

    event = core.outcome_event(pipeline, state=status.state, error=status.error_message,
                               run=pipeline_run_id or status.pipeline_job_resource_name,
                               job=status.pipeline_job_resource_name)
    print(f"ctloop: {pipeline} run of {model_name} ended {status.state}: {status.error_message or 'no error'}")
    if event is not None:
        MlflowRegistry(tracking_uri).record_event(model_name, "", event)
