"""The continuous-training pipeline.

::

    prepare_data ─► detect_drift ─┬─ retrain? (drifted, forced, or no champion yet)
                                  │      train_model ─► evaluate_model ─┬─ approved?
                                  │                                     │   register_model
                                  │                                     │   └─ [rollout seam]
                                  │                                     │      auto_promote: promote_model
                                  └─ otherwise: stop (the champion keeps serving)

The rollout seam: with ``inference_service`` set, the deployment steps of
``ctloop.pipelines.rollout`` (validate serving → deploy canary → analyse → promote or roll back)
replace the direct registry promotion.
"""


from kfp import dsl

from ctloop.components.drift.component import detect_drift
from ctloop.components.evaluate.component import evaluate_model
from ctloop.components.prepare.component import prepare_data
from ctloop.components.promote.component import promote_model
from ctloop.components.record.component import record_decision
from ctloop.components.register.component import register_model
from ctloop.components.train.component import train_model
from ctloop.ops.settings import apply_platform_settings
from ctloop.pipelines.rollout import DEFAULT_PLAN, add_rollout_steps
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, credit_contract

PIPELINE_NAME = "continuous-training"
DEFAULT_THRESHOLDS = {"roc_auc": 0.70}


@dsl.pipeline(
    name=PIPELINE_NAME,
    description=(
        "ctloop continuous training: prepare and validate data, detect drift against the "
        "champion, retrain when drifted/forced/no champion, gate the challenger against the "
        "champion, register and promote."
    ),
)
def continuous_training(
    data_uri: str = "data/credit.parquet",
    target: str = CREDIT_TARGET,
    time_column: str = CREDIT_TIME_COLUMN,
    task: str = "classification",
    contract: dict = credit_contract(),  # noqa: B008 - evaluated once, a JSON default
    window: str = "180D",
    as_of: str = "",
    current_window: str = "30D",
    holdout_fraction: float = 0.2,
    recency_half_life: str = "",
    model_name: str = "credit-default",
    estimator: str = "hist_gradient_boosting",
    hyperparameters: dict = {},  # noqa: B006 - KFP pipeline parameter default (JSON struct)
    search_iterations: int = 0,
    thresholds: dict = DEFAULT_THRESHOLDS,
    primary_metric: str = "",
    tolerance: float = 0.01,
    slice_column: str = "",
    bootstrap_rounds: int = 1000,
    drift_share: float = 0.5,
    drift_method: str = "",
    drift_threshold: float = -1.0,
    column_methods: dict = {},  # noqa: B006
    column_thresholds: dict = {},  # noqa: B006
    drift_correction: str = "",
    drift_calibration_rounds: int = 0,
    force_retrain: bool = False,
    tracking_uri: str = "",
    auto_promote: bool = True,
    inference_service: str = "",
    namespace: str = "",
    strategy: str = "canary",
    traffic_plan: list = DEFAULT_PLAN,  # noqa: B006 - KFP pipeline parameter default
    analysis_interval_seconds: int = 300,
    analysis_rules: dict = {},  # noqa: B006
    max_failed_checks: int = 1,
    prometheus_url: str = "",
    inference_log_root: str = "",
    labels_root: str = "",
):
    """Continuous training for one scikit-learn model; every argument is a run parameter.

    Args:
        data_uri: Table to train on, local path or gs://bucket/object (CSV or Parquet).
        target: Label column.
        time_column: Event-time column used for windowing and the time split.
        task: ``classification`` or ``regression``.
        contract: Data contract (see ``prepare_data``).
        window: Training window ending at ``as_of`` (``180D``, ``12h``…; empty = all data).
        as_of: End of the window (ISO date-time); empty = the latest time in the data.
        current_window: Recent slice compared with the champion's reference for drift.
        holdout_fraction: Latest share of the window held out for the gate.
        recency_half_life: Optional half-life for recency sample weights (e.g. ``30D``).
        model_name: Registered model name in MLflow.
        estimator: ``hist_gradient_boosting``, ``random_forest``, ``logistic_regression`` or
            ``linear_regression``.
        hyperparameters: Estimator hyperparameters.
        search_iterations: Randomized-search iterations (0 = no search).
        thresholds: Absolute gate thresholds, e.g. ``{"roc_auc": 0.7}``; empty = never approve.
        primary_metric: Metric for the champion comparison (default roc_auc / rmse).
        tolerance: Allowed regression of the primary metric vs the champion.
        slice_column: Optional categorical column whose worst slice must not regress.
        bootstrap_rounds: Paired bootstrap resamples for the comparison.
        drift_share: Share of drifted columns that makes the dataset drifted.
        drift_method: Drift method for every column (empty = evidently's automatic choice).
        drift_threshold: Drift threshold for every column (-1 = the method's default).
        column_methods: Per-column drift methods.
        column_thresholds: Per-column drift thresholds.
        drift_correction: Multiple-testing correction across p-value columns: ``bonferroni``,
            ``fdr`` or empty (none).
        drift_calibration_rounds: > 0: calibrate per-column drift thresholds on that many random
            splits of the reference (recorded in the drift metrics).
        force_retrain: Retrain even without drift.
        tracking_uri: MLflow tracking URI (empty = ``MLFLOW_TRACKING_URI`` of the task).
        auto_promote: Without ``inference_service``: promote an approved challenger to champion
            in the registry right away.
        inference_service: KServe InferenceService to roll an approved challenger out to (canary,
            analysis, promote or roll back); empty = registry only.
        namespace: The InferenceService's Kubernetes namespace.
        strategy: ``canary`` or ``blue-green``.
        traffic_plan: Canary percentages per step, e.g. ``[5, 25, 50, 100]``.
        analysis_interval_seconds: Time at each canary step before judging it.
        analysis_rules: Canary rule overrides (``max_error_rate``, ``max_p99_seconds``, ...).
        max_failed_checks: Failed canary checks that trigger a rollback.
        prometheus_url: Prometheus URL; empty means ``PROMETHEUS_URL`` from the ConfigMap.
        inference_log_root: Inference log root; when set the canary is also judged on model
            quality (its logged ``model_version`` rows against the champion's).
        labels_root: Label store root for the canary's realized metric.
    """
    prepare = prepare_data(
        data_uri=data_uri,
        target=target,
        time_column=time_column,
        contract=contract,
        window=window,
        as_of=as_of,
        current_window=current_window,
        holdout_fraction=holdout_fraction,
        recency_half_life=recency_half_life,
    )
    apply_platform_settings(prepare).set_caching_options(False)  # always read fresh data

    drift = detect_drift(
        current_data=prepare.outputs["current_data"],
        model_name=model_name,
        target=target,
        time_column=time_column,
        tracking_uri=tracking_uri,
        drift_share=drift_share,
        method=drift_method,
        threshold=drift_threshold,
        column_methods=column_methods,
        column_thresholds=column_thresholds,
        force_retrain=force_retrain,
        correction=drift_correction,
        calibration_rounds=drift_calibration_rounds,
    )
    apply_platform_settings(drift).set_caching_options(False)

    # Every If has an Else that records the decision: nothing is decided silently (and the KFP
    # 2.17 local runner only resolves named task outputs in conditions of If/Else pairs).
    with dsl.If(drift.outputs["retrain"] == True, name="retrain"):  # noqa: E712 - KFP condition
        train = train_model(
            train_data=prepare.outputs["train_data"],
            target=target,
            time_column=time_column,
            model_name=model_name,
            task=task,
            estimator=estimator,
            hyperparameters=hyperparameters,
            search_iterations=search_iterations,
            dataset_digest=prepare.outputs["digest"],
            data_uri=data_uri,
            tracking_uri=tracking_uri,
        )
        apply_platform_settings(train).set_caching_options(False)

        evaluate = evaluate_model(
            model=train.outputs["model"],
            holdout_data=prepare.outputs["holdout_data"],
            model_name=model_name,
            thresholds=thresholds,
            primary_metric=primary_metric,
            tolerance=tolerance,
            slice_column=slice_column,
            bootstrap_rounds=bootstrap_rounds,
            tracking_uri=tracking_uri,
        )
        apply_platform_settings(evaluate).set_caching_options(False)

        with dsl.If(evaluate.outputs["approved"] == True, name="approved"):  # noqa: E712
            register = register_model(
                model=train.outputs["model"],
                gate_metrics=evaluate.outputs["metrics"],
                model_name=model_name,
                gate_reason=evaluate.outputs["reason"],
                dataset_digest=prepare.outputs["digest"],
                tracking_uri=tracking_uri,
                pipeline_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
                pipeline_run_name=dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
            )
            apply_platform_settings(register).set_caching_options(False)

            # ---- rollout seam: deploy to KServe when an InferenceService is configured --------
            with dsl.If(inference_service != "", name="rollout"):
                add_rollout_steps(
                    model_name=model_name, version=register.outputs["version"], reason=evaluate.outputs["reason"],
                    inference_service=inference_service, namespace=namespace, strategy=strategy,
                    traffic_plan=traffic_plan, interval_seconds=analysis_interval_seconds, rules=analysis_rules,
                    max_failed_checks=max_failed_checks, prometheus_url=prometheus_url, tracking_uri=tracking_uri,
                    log_root=inference_log_root, labels_root=labels_root,
                )
            with dsl.Else(name="registry-only"):
                with dsl.If(auto_promote == True, name="auto-promote"):  # noqa: E712
                    promote = promote_model(
                        model_name=model_name,
                        version=register.outputs["version"],
                        reason=evaluate.outputs["reason"],
                        tracking_uri=tracking_uri,
                        pipeline_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
                    )
                    apply_platform_settings(promote).set_caching_options(False)
                with dsl.Else(name="registered-only"):
                    apply_platform_settings(record_decision(
                        model_name=model_name,
                        decision="not_promoted",
                        reason="auto_promote is off: the rollout or an operator promotes this version",
                        version=register.outputs["version"],
                        tracking_uri=tracking_uri,
                        pipeline_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
                    )).set_caching_options(False)
        with dsl.Else(name="rejected"):
            apply_platform_settings(record_decision(
                model_name=model_name,
                decision="rejected",
                reason=evaluate.outputs["reason"],
                tracking_uri=tracking_uri,
                pipeline_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
            )).set_caching_options(False)
    with dsl.Else(name="keep-champion"):
        apply_platform_settings(record_decision(
            model_name=model_name,
            decision="no_retrain",
            reason=drift.outputs["reason"],
            tracking_uri=tracking_uri,
            pipeline_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
        )).set_caching_options(False)
