"""The rollout pipeline and the rollout steps the continuous-training pipeline reuses.

::

    validate_serving ─┬─ valid:  deploy_canary ─► analyze_canary ─┬─ promote:  promote_model
                      │                                           └─ rollback: rollback_model
                      └─ invalid: record_decision (serving_validation_failed)

``rollout`` runs these steps for a given registered version (manual re-deploy), or with
``action=rollback`` serves version N again.
"""

from kfp import dsl

from ctloop.components.analyze.component import analyze_canary
from ctloop.components.deploy.component import deploy_canary
from ctloop.components.promote.component import promote_model
from ctloop.components.record.component import record_decision
from ctloop.components.rollback.component import rollback_model
from ctloop.components.validate.component import validate_serving
from ctloop.ops.settings import apply_platform_settings

DEFAULT_PLAN = [5, 25, 50, 100]


def add_rollout_steps(*, model_name, version, reason, inference_service, namespace, strategy, traffic_plan,
                      interval_seconds, rules, max_failed_checks, prometheus_url, tracking_uri, log_root="",
                      labels_root=""):
    """Add validate → deploy → analyse → promote/rollback to the enclosing pipeline."""
    run_id = dsl.PIPELINE_JOB_ID_PLACEHOLDER
    validate = apply_platform_settings(validate_serving(model_name=model_name, version=version,
                                                       tracking_uri=tracking_uri, pipeline_run_id=run_id))
    validate.set_caching_options(False)
    with dsl.If(validate.outputs["valid"] == True, name="serving-valid"):  # noqa: E712
        deploy = apply_platform_settings(deploy_canary(
            model_name=model_name, version=version, inference_service=inference_service, namespace=namespace,
            strategy=strategy, first_step_percent=5, tracking_uri=tracking_uri, pipeline_run_id=run_id))
        deploy.set_caching_options(False)
        analyze = apply_platform_settings(analyze_canary(
            model_name=model_name, version=version, inference_service=inference_service, namespace=namespace,
            deploy_action=deploy.outputs["action"], canary_revision=deploy.outputs["latest_revision"],
            stable_revision=deploy.outputs["previous_revision"], traffic_plan=traffic_plan,
            interval_seconds=interval_seconds, rules=rules, max_failed_checks=max_failed_checks,
            prometheus_url=prometheus_url, log_root=log_root, labels_root=labels_root, tracking_uri=tracking_uri,
            pipeline_run_id=run_id))
        analyze.set_caching_options(False)
        with dsl.If(analyze.outputs["decision"] == "promote", name="canary-passed"):
            apply_platform_settings(promote_model(
                model_name=model_name, version=version, reason=reason, tracking_uri=tracking_uri,
                pipeline_run_id=run_id, inference_service=inference_service, namespace=namespace,
            )).set_caching_options(False)
        with dsl.Else(name="canary-failed"):
            apply_platform_settings(rollback_model(
                model_name=model_name, failed_version=version, inference_service=inference_service,
                namespace=namespace, reason=analyze.outputs["reason"], tracking_uri=tracking_uri,
                pipeline_run_id=run_id,
            )).set_caching_options(False)
    with dsl.Else(name="serving-invalid"):
        apply_platform_settings(record_decision(
            model_name=model_name, decision="serving_validation_failed", reason=validate.outputs["reason"],
            version=version, tracking_uri=tracking_uri, pipeline_run_id=run_id,
        )).set_caching_options(False)


@dsl.pipeline(name="rollout", description="ctloop rollout: deploy a registered version as a canary, analyse "
              "it, promote or roll back; or serve version N again (action=rollback).")
def rollout(
    model_name: str = "credit-default",
    version: str = "1",
    inference_service: str = "credit-default",
    namespace: str = "ctloop",
    action: str = "deploy",
    strategy: str = "canary",
    traffic_plan: list = DEFAULT_PLAN,  # noqa: B006 - KFP pipeline parameter default
    interval_seconds: int = 300,
    rules: dict = {},  # noqa: B006
    max_failed_checks: int = 1,
    prometheus_url: str = "",
    reason: str = "manual rollout",
    tracking_uri: str = "",
    inference_log_root: str = "",
    labels_root: str = "",
):
    """Roll out (or roll back to) one registered version.

    Args:
        model_name: Registered model name in MLflow.
        version: The version to deploy, or to serve again with ``action=rollback``.
        inference_service: InferenceService name.
        namespace: Its Kubernetes namespace.
        action: ``deploy`` (canary/blue-green with analysis) or ``rollback`` (serve ``version`` now).
        strategy: ``canary`` or ``blue-green``.
        traffic_plan: Canary percentages per step.
        interval_seconds: Time at each step before judging it.
        rules: Analysis rule overrides (see ``analyze_canary``).
        max_failed_checks: Failed checks that trigger a rollback.
        prometheus_url: Prometheus URL; empty means ``PROMETHEUS_URL`` from the ConfigMap.
        reason: Recorded with the promotion or rollback.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the ConfigMap.
        inference_log_root: Inference log root; when set the canary is also judged on model quality.
        labels_root: Label store root for the canary's realized metric.
    """
    with dsl.If(action == "rollback", name="manual-rollback"):
        apply_platform_settings(rollback_model(
            model_name=model_name, failed_version="", to_version=version, inference_service=inference_service,
            namespace=namespace, reason=reason, tracking_uri=tracking_uri,
            pipeline_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
        )).set_caching_options(False)
    with dsl.Else(name="deploy"):
        add_rollout_steps(model_name=model_name, version=version, reason=reason, inference_service=inference_service,
                          namespace=namespace, strategy=strategy, traffic_plan=traffic_plan,
                          interval_seconds=interval_seconds, rules=rules, max_failed_checks=max_failed_checks,
                          prometheus_url=prometheus_url, tracking_uri=tracking_uri, log_root=inference_log_root,
                          labels_root=labels_root)
