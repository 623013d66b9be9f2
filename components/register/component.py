"""KFP interface of ``register_model``."""

from typing import NamedTuple, Optional

from kfp.dsl import Input, Metrics, Model

from ctloop.kfp_support import component


@component
def register_model(
    model: Input[Model],
    gate_metrics: Input[Metrics],
    model_name: str,
    gate_reason: str,
    rollout: Optional[dict] = None,
    dataset_digest: str = "",
    tracking_uri: str = "",
    pipeline_run_id: str = "",
    pipeline_run_name: str = "",
    pipeline_task_name: str = "",
    pipeline_task_id: str = "",
) -> NamedTuple("RegisterOutputs", [("version", str), ("route", str), ("route_reason", str)]):
    """Register an approved challenger as a new MLflow model version and alias it ``challenger``.

    The version is tagged with the pipeline run, the dataset digest, every gate metric, the gate
    decision and reason and the ctloop code version, so it can be traced back to the data and the
    decision that produced it. Promotion to ``champion`` is a separate step (``promote_model``);
    ``route`` says which (``ctloop.components.register.core.release_route``). With
    ``rollout.approval: required`` the version is aliased ``pending-approval`` and waits for
    ``ctloop approve``.

    Args:
        model: Model artifact written by ``train_model`` (its metadata carries the MLflow model URI
            and run id of the training run).
        gate_metrics: Metrics artifact written by ``evaluate_model``; every numeric entry becomes a
            ``ctloop.metric.<name>`` tag.
        model_name: Registered model name in MLflow (e.g. ``credit-default``).
        gate_reason: The gate's human-readable reason, stored as tag ``ctloop.gate_reason``.
        rollout: The ``rollout`` section (``ctloop.config.RolloutConfig``): its ``approval``,
            ``inference_service`` and ``auto_promote`` decide the ``route``.
        dataset_digest: Content fingerprint of the training data (from ``prepare_data``).
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        pipeline_run_id: KFP run id (pass ``dsl.PIPELINE_JOB_ID_PLACEHOLDER``).
        pipeline_run_name: KFP run name (pass ``dsl.PIPELINE_JOB_NAME_PLACEHOLDER``).
        pipeline_task_name: KFP task name (pass ``dsl.PIPELINE_TASK_NAME_PLACEHOLDER``).
        pipeline_task_id: KFP task id (pass ``dsl.PIPELINE_TASK_ID_PLACEHOLDER``). With the run id and task
            name it identifies this task in every KFP retry of it: a retry after a failure past the
            registration finishes the version the earlier attempt registered instead of registering
            another (``ctloop.components.register.core.registration_id``); empty: each call registers.
            Three paths retry this task: a cluster retryStrategy OnFailure/Always, Argo's
            templateDefaults OnError (a pod error) and a manual KFP "Retry run". A retry whose version
            was decided since (approved, promoted, rolled back, ...) changes nothing: route ``decided``.

    Returns:
        version: The new model version number, as a string.
        route: ``rollout``, ``promote``, ``pending-approval``, ``registered``, or ``decided`` (a retry
            of this task after its version was decided: nothing more is done).
        route_reason: Why, in words.
    """
    from collections import namedtuple

    from ctloop import approval
    from ctloop.artifacts import load_model_meta
    from ctloop.components.register import core
    from ctloop.config import RolloutConfig
    from ctloop.errors import RegistryError
    from ctloop.registry import MlflowRegistry
    from ctloop.tracking import code_version

    release = RolloutConfig.from_dict(rollout)
    route, route_reason = core.release_route(release)
    meta = load_model_meta(model.path)
    model_uri = model.metadata.get("mlflow_model_uri") or meta.get("mlflow_model_uri", "")
    run_id = model.metadata.get("mlflow_run_id") or meta.get("mlflow_run_id", "")
    if not model_uri:
        raise RegistryError(
            f"model artifact {model.path} has no MLflow model URI: was it produced by train_model?"
        )
    tags = core.registration_tags(
        meta=meta,
        gate_metrics=dict(gate_metrics.metadata),
        gate_reason=gate_reason,
        dataset_digest=dataset_digest,
        pipeline_run_id=pipeline_run_id,
        pipeline_run_name=pipeline_run_name,
        code_version=code_version(),
    )
    task = {"model_name": model_name, "model_uri": model_uri, "pipeline_run_id": pipeline_run_id,
            "pipeline_task_name": pipeline_task_name, "pipeline_task_id": pipeline_task_id}
    registry = MlflowRegistry(tracking_uri)
    version = registry.register(model_name, model_uri=model_uri, run_id=run_id, tags=tags,
                                registration_id=core.registration_id(**task))
    if version.decided_since:  # a retry after the version was decided (register said so): nothing more to do
        why = (f"{model_name} v{version.version}, this task's registration, was decided since "
               f"({version.decided_since}): not registered again, nothing changed")
        return namedtuple("RegisterOutputs", ["version", "route", "route_reason"])(version.version, core.DECIDED, why)
    # the aliases register read back on its version (was "challenger" always: a concurrent run's newer version
    # can hold it, or a busy server leave it to that run; then a second read, which could fail after registering)
    held = ", ".join(sorted(version.aliases))
    registry.record_event(model_name, version.version, {
        "event": "register",
        "alias": held,
        "reason": gate_reason,
        "pipeline_run": pipeline_run_id,
        "dataset_digest": tags["ctloop.dataset_digest"],
    }, event_id=core.registration_id(**task, step="register-event"))
    if route == core.PENDING_APPROVAL:
        decided = approval.request(registry, model_name, version.version, reason=route_reason,
                                   pipeline_run=pipeline_run_id, rollout=release.to_dict(),
                                   event_id=core.registration_id(**task, step="approval-requested"))
        if decided:  # approved or rejected since this task's first request (a retry): nothing waits
            route, route_reason = core.DECIDED, (f"{model_name} v{version.version} was {decided} since this task "
                                                 "first asked: not asked again, nothing changed")
    print(f"ctloop: registered {model_name} v{version.version} ({'alias ' + held if held else 'no alias'}) from run {run_id}; "
          f"next: {route} ({route_reason})")
    return namedtuple("RegisterOutputs", ["version", "route", "route_reason"])(version.version, route, route_reason)
