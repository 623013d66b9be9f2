"""The monitoring pipeline: scheduled more often than training (e.g. hourly). docs/monitoring.md.

::

    monitor_model ─┬─ a rule fired:   trigger_training (a continuous-training run via the KFP API;
                   │                  marks the window triggered only once the run exists)
                   └─ otherwise:      record_decision (monitor_ok / cooldown)
"""

from kfp import dsl

from ctloop.components.monitor.component import monitor_model, trigger_training
from ctloop.components.record.component import record_decision
from ctloop.ops.settings import apply_platform_settings

DEFAULT_RULES = {"drift_share": 0.5, "drift_windows": 2, "realized_drop": 0.05, "cooldown": "24h"}


@dsl.pipeline(name="monitoring", description="ctloop monitoring: drift and realized performance of served "
              "traffic, kept as MLflow time series; triggers continuous training when a rule fires.")
def monitoring(
    log_root: str = "gs://REPLACE-ME-inference-logs/ctloop",
    model_name: str = "credit-default",
    window: str = "1h",
    as_of: str = "",
    labels_root: str = "",
    rules: dict = DEFAULT_RULES,
    metric: str = "",
    score_column: str = "",
    label_lookback: str = "7D",
    min_labels: int = 200,
    kfp_host: str = "",
    experiment: str = "ctloop",
    training_parameters: dict = {},  # noqa: B006 - KFP pipeline parameter default
    image: str = "",
    pvc_mounts: str = "",
    tracking_uri: str = "",
):
    """Judge the latest window of served traffic; retrain when a rule fires.

    Args:
        log_root: Inference log root written by ``ctloop logger``.
        model_name: Registered model / InferenceService name.
        window: Window judged per run (match the schedule, e.g. hourly → ``1h``).
        as_of: End of the window (ISO 8601); empty = now (UTC).
        labels_root: Label store root for realized performance (empty = none).
        rules: Retraining rules (see ``monitor_model``); default: drift share > 0.5 in 2
            consecutive windows, or the realized metric 0.05 worse than the champion's validation
            metric; 24 h cooldown.
        metric: Realized metric (empty = ``roc_auc`` for classification, ``rmse`` for regression).
        score_column: Logged prediction column scored (empty = ``prediction_1`` / ``prediction``).
        label_lookback: Predictions of this period whose labels arrived count for the realized
            metric.
        min_labels: Labelled champion rows needed before the realized rules may fire.
        kfp_host: KFP API URL for the triggered run (empty = in-cluster).
        experiment: KFP experiment of triggered runs.
        training_parameters: Parameters of the triggered continuous-training run.
        image: Component image the triggered continuous-training run is compiled with; empty =
            the image of this ctloop version. Compiling with ``--image`` (``ctloop compile``,
            ``upload``, ``schedule``) makes that image the default here too.
        pvc_mounts: PersistentVolumeClaims the triggered run mounts into every task,
            ``CLAIM:PATH`` separated by commas; empty = none. Compiling with ``--mount-pvc``
            makes the same mounts the default here too.
        tracking_uri: MLflow tracking URI (empty = ``MLFLOW_TRACKING_URI``).
    """
    monitor = apply_platform_settings(monitor_model(
        log_root=log_root, model_name=model_name, window=window, as_of=as_of, labels_root=labels_root, rules=rules,
        metric=metric, score_column=score_column, label_lookback=label_lookback, min_labels=min_labels,
        tracking_uri=tracking_uri))
    monitor.set_caching_options(False)
    with dsl.If(monitor.outputs["retrain"] == True, name="retrain"):  # noqa: E712
        apply_platform_settings(trigger_training(
            model_name=model_name, reason=monitor.outputs["reason"], kfp_host=kfp_host, experiment=experiment,
            pipeline_parameters=training_parameters, image=image, pvc_mounts=pvc_mounts,
            monitor_run_id=monitor.outputs["monitor_run_id"],
            tracking_uri=tracking_uri)).set_caching_options(False)
    with dsl.Else(name="no-retrain"):
        apply_platform_settings(record_decision(
            model_name=model_name, decision="monitor_ok", reason=monitor.outputs["reason"],
            tracking_uri=tracking_uri, pipeline_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER)).set_caching_options(False)
