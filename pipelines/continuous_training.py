"""The continuous-training pipeline.

::

    prepare_data ─► detect_drift ─┬─ retrain? (drifted, forced, or no champion yet)
                                  │      train_model ─► evaluate_model ─┬─ approved?
                                  │                                     │   register_model ─┬─ rollout: validate → canary → promote | roll back
                                  │                                     │                   ├─ promote: promote_model (registry)
                                  │                                     │                   ├─ decided (a retried run, the version decided since): record it
                                  │                                     │                   └─ otherwise: record why (pending approval, registered)
                                  │                                     └─ rejected: record_decision
                                  └─ otherwise: record_decision (the champion keeps serving)
    exit handler: record_run_outcome (a failed or cancelled run is in the audit trail)

Parameters are grouped in sections (``ctloop.config``): ``data`` (required: where the table is,
its target and time column), ``training``, ``gate``, ``drift``, ``rollout``; each defaults to its
section's defaults, and a section passed partly takes the defaults for the rest.
"""

from kfp import dsl

from ctloop.components.drift.component import detect_drift
from ctloop.components.evaluate.component import evaluate_model
from ctloop.components.prepare.component import prepare_data
from ctloop.components.promote.component import promote_model
from ctloop.components.record.component import record_decision, record_run_outcome
from ctloop.components.register.component import register_model
from ctloop.components.train.component import train_model
from ctloop.config import DriftConfig, GateConfig, PlatformConfig, RolloutConfig, TrainingConfig
from ctloop.ops.settings import apply_step_settings
from ctloop.pipelines.rollout import add_rollout_steps

PIPELINE_NAME = "continuous-training"


def build(platform: PlatformConfig | None = None):
    """The pipeline, with the per-step cluster settings of ``platform`` compiled in."""
    platform = platform or PlatformConfig()

    def step(task, name):
        return apply_step_settings(task, name, platform)

    @dsl.pipeline(
        name=PIPELINE_NAME,
        description=(
            "ctloop continuous training: prepare and validate data, detect drift against the champion, retrain "
            "when drifted/forced/no champion, gate the challenger against the champion, register, then roll out, "
            "promote or wait for approval."
        ),
    )
    def continuous_training(
        model_name: str,
        data: dict,
        training: dict = TrainingConfig.parameter_default(),  # noqa: B008 - a JSON default, evaluated once
        gate: dict = GateConfig.parameter_default(),  # noqa: B008
        drift: dict = DriftConfig.parameter_default(),  # noqa: B008
        rollout: dict = RolloutConfig.parameter_default(),  # noqa: B008
        tracking_uri: str = "",
    ):
        """Continuous training for one scikit-learn model (docs/configuration.md).

        Args:
            model_name: Registered model name in MLflow (and the InferenceService's model).
            data: Where the training table is and what it must look like (``DataConfig``):
                ``uri``, ``target`` and ``time_column`` are required.
            training: How a challenger is trained (``TrainingConfig``).
            gate: The evaluation gate (``GateConfig``); no ``thresholds`` = never approve.
            drift: Feature drift against the champion's reference (``DriftConfig``).
            rollout: What happens to an approved challenger (``RolloutConfig``): a KServe canary
                when ``inference_service`` is set, else a registry promotion; ``approval:
                required`` waits for ``ctloop approve``.
            tracking_uri: MLflow tracking URI (empty = ``MLFLOW_TRACKING_URI`` of the task).
        """
        run_id = dsl.PIPELINE_JOB_ID_PLACEHOLDER
        outcome = record_run_outcome(model_name=model_name, pipeline=PIPELINE_NAME, tracking_uri=tracking_uri,
                                     pipeline_run_id=run_id)
        apply_step_settings(outcome, "record_run_outcome", platform)
        with dsl.ExitHandler(outcome, name="record-outcome"):
            prepare = step(prepare_data(data=data), "prepare_data")
            detect = step(detect_drift(current_data=prepare.outputs["current_data"], model_name=model_name, data=data,
                                       drift=drift, tracking_uri=tracking_uri), "detect_drift")
            # Every If has an Else that records the decision: nothing is decided silently.
            with dsl.If(detect.outputs["retrain"] == True, name="retrain"):  # noqa: E712 - KFP condition
                train = step(train_model(train_data=prepare.outputs["train_data"], model_name=model_name, data=data,
                                         training=training, gate=gate, holdout_data=prepare.outputs["holdout_data"],
                                         dataset_digest=prepare.outputs["digest"],
                                         tracking_uri=tracking_uri), "train_model")
                evaluate = step(evaluate_model(model=train.outputs["model"], holdout_data=prepare.outputs["holdout_data"],
                                               model_name=model_name, gate=gate, tracking_uri=tracking_uri),
                                "evaluate_model")
                with dsl.If(evaluate.outputs["approved"] == True, name="approved"):  # noqa: E712
                    register = step(register_model(
                        model=train.outputs["model"], gate_metrics=evaluate.outputs["metrics"], model_name=model_name,
                        gate_reason=evaluate.outputs["reason"], rollout=rollout, dataset_digest=prepare.outputs["digest"],
                        tracking_uri=tracking_uri, pipeline_run_id=run_id,
                        pipeline_run_name=dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
                        pipeline_task_name=dsl.PIPELINE_TASK_NAME_PLACEHOLDER,
                        pipeline_task_id=dsl.PIPELINE_TASK_ID_PLACEHOLDER), "register_model")
                    route = register.outputs["route"]
                    with dsl.If(route == "rollout", name="rollout"):
                        add_rollout_steps(model_name=model_name, version=register.outputs["version"],
                                          reason=evaluate.outputs["reason"], rollout=rollout,
                                          tracking_uri=tracking_uri, platform=platform)
                    with dsl.Elif(route == "promote", name="auto-promote"):
                        step(promote_model(model_name=model_name, version=register.outputs["version"],
                                           reason=evaluate.outputs["reason"], tracking_uri=tracking_uri,
                                           pipeline_run_id=run_id), "promote_model")
                    with dsl.Elif(route == "decided", name="decided-since"):  # a retried run: the version is decided
                        step(record_decision(model_name=model_name, decision=route,
                                             reason=register.outputs["route_reason"], tracking_uri=tracking_uri,
                                             pipeline_run_id=run_id), "record_decision")
                    with dsl.Else(name="registered-only"):
                        step(record_decision(model_name=model_name, decision=route,
                                             reason=register.outputs["route_reason"],
                                             version=register.outputs["version"], tracking_uri=tracking_uri,
                                             pipeline_run_id=run_id), "record_decision")
                with dsl.Else(name="rejected"):
                    step(record_decision(model_name=model_name, decision="rejected", reason=evaluate.outputs["reason"],
                                         tracking_uri=tracking_uri, pipeline_run_id=run_id,
                                         judged=evaluate.outputs["judged"]), "record_decision")
            with dsl.Else(name="keep-champion"):
                step(record_decision(model_name=model_name, decision="no_retrain", reason=detect.outputs["reason"],
                                     tracking_uri=tracking_uri, pipeline_run_id=run_id), "record_decision")

    return continuous_training


continuous_training = build()
