"""The rollout pipeline and the rollout steps the continuous-training pipeline reuses.

::

    validate_serving ─┬─ valid:  deploy_canary ─► analyze_canary ─┬─ promote:  promote_model
                      │                                           ├─ rollback: rollback_model
                      │                                           └─ hold:     record_decision (canary_held)
                      └─ invalid: record_decision (serving_validation_failed)

Each step's body is one call to ``ctloop.serving.release`` (deploy, analyze, promote, rollback),
the orchestration the tests run too. ``rollout`` runs these steps for a given registered version
(manual re-deploy, or after ``ctloop approve``), or with ``action=rollback`` serves version N again.
"""

from kfp import dsl

from ctloop.components.analyze.component import analyze_canary
from ctloop.components.deploy.component import deploy_canary
from ctloop.components.promote.component import promote_model
from ctloop.components.record.component import record_decision, record_run_outcome
from ctloop.components.rollback.component import rollback_model
from ctloop.components.validate.component import validate_serving
from ctloop.config import PlatformConfig
from ctloop.ops.settings import apply_step_settings

PIPELINE_NAME = "rollout"


def add_rollout_steps(*, model_name, version, reason, rollout, tracking_uri, platform: PlatformConfig):
    """Add validate → deploy → analyse → promote/rollback to the enclosing pipeline."""
    run_id = dsl.PIPELINE_JOB_ID_PLACEHOLDER

    def step(task, name):
        return apply_step_settings(task, name, platform)

    validate = step(validate_serving(model_name=model_name, version=version, tracking_uri=tracking_uri,
                                     pipeline_run_id=run_id), "validate_serving")
    with dsl.If(validate.outputs["valid"] == True, name="serving-valid"):  # noqa: E712
        deploy = step(deploy_canary(model_name=model_name, version=version, rollout=rollout, tracking_uri=tracking_uri,
                                    pipeline_run_id=run_id), "deploy_canary")
        analyze = step(analyze_canary(
            model_name=model_name, version=version, rollout=rollout, deploy_action=deploy.outputs["action"],
            canary_revision=deploy.outputs["latest_revision"], stable_revision=deploy.outputs["previous_revision"],
            tracking_uri=tracking_uri, pipeline_run_id=run_id), "analyze_canary")
        with dsl.If(analyze.outputs["decision"] == "promote", name="canary-passed"):
            step(promote_model(model_name=model_name, version=version, reason=reason, rollout=rollout,
                               tracking_uri=tracking_uri, pipeline_run_id=run_id), "promote_model")
        with dsl.Elif(analyze.outputs["decision"] == "rollback", name="canary-failed"):
            step(rollback_model(model_name=model_name, failed_version=version, rollout=rollout,
                                reason=analyze.outputs["reason"], tracking_uri=tracking_uri, pipeline_run_id=run_id),
                 "rollback_model")
        # hold: changed by hand meanwhile (whoever changed it decides), or too little traffic to judge (the canary
        # keeps its share until this pipeline runs the version again or it is promoted or rolled back by hand;
        # rollout.max_holds bounds it)
        with dsl.Else(name="canary-held"):
            step(record_decision(model_name=model_name, decision="canary_held", reason=analyze.outputs["reason"],
                                 version=version, tracking_uri=tracking_uri, pipeline_run_id=run_id),
                 "record_decision")
    with dsl.Else(name="serving-invalid"):
        step(record_decision(model_name=model_name, decision="serving_validation_failed",
                             reason=validate.outputs["reason"], version=version, tracking_uri=tracking_uri,
                             pipeline_run_id=run_id), "record_decision")


def build(platform: PlatformConfig | None = None):
    """The pipeline, with the per-step cluster settings of ``platform`` compiled in."""
    platform = platform or PlatformConfig()

    @dsl.pipeline(name=PIPELINE_NAME, description="ctloop rollout: deploy a registered version as a canary, "
                  "analyse it, promote or roll back; or serve version N again (action=rollback).")
    def rollout(
        model_name: str,
        version: str,
        rollout: dict,
        action: str = "deploy",
        reason: str = "manual rollout",
        tracking_uri: str = "",
    ):
        """Roll out (or roll back to) one registered version.

        Args:
            model_name: Registered model name in MLflow.
            version: The version to deploy, or to serve again with ``action=rollback``.
            rollout: The ``rollout`` section (``RolloutConfig``): ``inference_service`` and
                ``namespace`` are required.
            action: ``deploy`` (canary/blue-green with analysis) or ``rollback`` (serve ``version`` now).
            reason: Recorded with the promotion or rollback.
            tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the ConfigMap.
        """
        outcome = record_run_outcome(model_name=model_name, pipeline=PIPELINE_NAME, tracking_uri=tracking_uri,
                                     pipeline_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER)
        apply_step_settings(outcome, "record_run_outcome", platform)
        with dsl.ExitHandler(outcome, name="record-outcome"):
            with dsl.If(action == "rollback", name="manual-rollback"):
                apply_step_settings(rollback_model(
                    model_name=model_name, failed_version="", to_version=version, rollout=rollout, reason=reason,
                    tracking_uri=tracking_uri, pipeline_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER), "rollback_model",
                    platform)
            with dsl.Else(name="deploy"):
                add_rollout_steps(model_name=model_name, version=version, reason=reason, rollout=rollout,
                                  tracking_uri=tracking_uri, platform=platform)

    return rollout


rollout = build()
