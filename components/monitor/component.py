"""KFP interfaces of ``monitor_model`` and ``trigger_training``."""

from typing import NamedTuple, Optional

from kfp.dsl import Metrics, Output

from ctloop.kfp_support import component


@component
def monitor_model(
    log_root: str,
    model_name: str,
    monitor_metrics: Output[Metrics],
    window: str = "1h",
    as_of: str = "",
    labels_root: str = "",
    rules: Optional[dict] = None,
    score_column: str = "prediction_1",
    tracking_uri: str = "",
) -> NamedTuple("MonitorOutputs", [("retrain", bool), ("rule", str), ("reason", str)]):
    """Judge the latest window of served traffic and decide whether to retrain.

    Reads the inference log (``ctloop logger`` Parquet) of ``model_name`` for the window ending
    at ``as_of``, computes drift against the champion's training reference (the same statistics
    as ``detect_drift``), the realized metric where labels have arrived, logs every score as a
    time series (one MLflow run per window in experiment ``<model_name>-monitoring``), and applies
    the retraining rules over that history.

    Args:
        log_root: Root of the inference log (local path or gs://), as written by ``ctloop logger``.
        model_name: Registered model (and InferenceService) name.
        monitor_metrics: Output Metrics: ``drift_share``, ``rows``, ``realized`` (when labelled).
        window: Length of the window judged, e.g. ``1h``.
        as_of: End of the window (ISO 8601); empty means now (UTC).
        labels_root: Label store root (``ctloop labels ingest``); empty = no realized metric.
        rules: Retraining rules: ``drift_share`` + ``drift_windows`` (N consecutive windows),
            ``realized_floor``, ``realized_drop`` (vs the champion's validation ROC AUC),
            ``min_rows_since_training``, ``cooldown`` (e.g. ``6h``).
        score_column: Logged prediction column holding the positive-class score.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.

    Returns:
        retrain: Whether a rule fired (outside the cooldown).
        rule: The rule that decided (``drift``, ``realized_floor``, ``realized_drop``, ``volume``,
            ``cooldown`` or ``none``).
        reason: The decision in words, with the numbers.
    """
    from collections import namedtuple

    import mlflow
    import pandas as pd

    from ctloop import labels as labels_mod
    from ctloop.components.drift import core as drift_core
    from ctloop.components.monitor import core
    from ctloop.registry import MlflowRegistry

    Outputs = namedtuple("MonitorOutputs", ["retrain", "rule", "reason"])
    registry = MlflowRegistry(tracking_uri)
    end = pd.Timestamp(as_of) if as_of else pd.Timestamp.now("UTC")
    end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
    from ctloop.components.prepare.core import parse_duration

    start = end - parse_duration(window)
    logs = labels_mod.read_parquet_tree(f"{log_root.rstrip('/')}/model={model_name}")
    times = pd.to_datetime(logs["time"], utc=True, format="mixed") if len(logs) else pd.Series(dtype="datetime64[ns, UTC]")
    current = logs[(times > start) & (times <= end)] if len(logs) else logs
    record = {"window_end": end.isoformat(), "rows": int(len(current)), "drift_share": None, "realized": None}
    champion = registry.champion(model_name)
    champion_metric = rows_since = None
    if champion is not None and len(current):
        reference = registry.load_reference(model_name, champion.version)
        meta = registry.load_meta(model_name, champion.version)
        columns = [c for c in meta["features"] if c in current.columns]
        if columns:
            record["drift_share"] = drift_core.detect(reference, current, columns=columns).share
        tag = champion.tags.get("ctloop.metric.challenger.roc_auc")
        champion_metric = float(tag) if tag else None
        since = pd.Timestamp(champion.tags.get("ctloop.champion_since") or "1970-01-01T00:00:00Z")
        rows_since = int((times > since).sum())
    if labels_root and len(current):
        joined = labels_mod.join_predictions_with_labels(current, labels_mod.read_labels(labels_root))
        if len(joined) and score_column in joined.columns:
            realized = labels_mod.realized_metrics(joined, score=score_column, by=("model",))
            record["realized"] = float(realized["roc_auc"].iloc[0])

    experiment = f"{model_name}-monitoring"
    client = registry.client
    exp = client.get_experiment_by_name(experiment)
    from ctloop.tracking import local_artifact_root

    exp_id = exp.experiment_id if exp else client.create_experiment(experiment, artifact_location=local_artifact_root())
    history = []
    for run in client.search_runs([exp_id], max_results=1000, order_by=["attributes.start_time ASC"]):
        history.append({"window_end": run.data.tags.get("window_end"), "drift_share": run.data.metrics.get("drift_share"),
                        "realized": run.data.metrics.get("realized"), "triggered": run.data.tags.get("triggered") == "true"})
    history.sort(key=lambda h: h["window_end"] or "")
    verdict = core.decide(history, record, rules or {}, champion_metric=champion_metric, rows_since_training=rows_since)
    with mlflow.start_run(experiment_id=exp_id, run_name=f"window-{end:%Y%m%dT%H%M}"):
        mlflow.log_metric("rows", record["rows"], timestamp=int(end.timestamp() * 1000))
        for key in ("drift_share", "realized"):
            if record[key] is not None:
                mlflow.log_metric(key, record[key], timestamp=int(end.timestamp() * 1000))
                monitor_metrics.log_metric(key, round(record[key], 6))
        mlflow.set_tags({"window_end": record["window_end"], "triggered": str(verdict.fire).lower(),
                         "rule": verdict.rule, "reason": verdict.reason[:4000]})
    monitor_metrics.log_metric("rows", record["rows"])
    print(f"ctloop: monitor {model_name} window ending {end}: {record} → {verdict.rule}: {verdict.reason}")
    return Outputs(verdict.fire, verdict.rule, verdict.reason)


@component
def trigger_training(
    model_name: str,
    reason: str,
    kfp_host: str = "",
    experiment: str = "ctloop",
    pipeline_parameters: Optional[dict] = None,
    tracking_uri: str = "",
) -> NamedTuple("TriggerOutputs", [("run_id", str)]):
    """Start a continuous-training run through the KFP API, recording why.

    Args:
        model_name: Registered model to retrain (passed as ``model_name``).
        reason: The rule that fired, recorded in the audit trail and the run name.
        kfp_host: KFP API URL; empty means in-cluster (service-account token).
        experiment: KFP experiment of the triggered run.
        pipeline_parameters: Parameters of the continuous-training run (``force_retrain`` is set).
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.

    Returns:
        run_id: The KFP run id of the triggered continuous-training run.
    """
    import json
    import os
    import subprocess
    import sys
    from collections import namedtuple

    from ctloop.errors import PlatformError
    from ctloop.registry import MlflowRegistry

    params = {**(pipeline_parameters or {}), "model_name": model_name, "force_retrain": True}
    # A child process: inside a task KFP runs in runtime mode (_KFP_RUNTIME), where neither the
    # pipeline DSL nor kfp.Client is loaded; `ctloop trigger` compiles and submits the run.
    env = {k: v for k, v in os.environ.items() if k != "_KFP_RUNTIME"}
    cmd = [sys.executable, "-m", "ctloop", "trigger", "--experiment", experiment, "--params", json.dumps(params),
           "--run-name", f"retrain-{model_name}"] + (["--host", kfp_host] if kfp_host else [])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PlatformError(f"could not start the continuous-training run: {proc.stderr.strip()[-500:]}")
    run_id = proc.stdout.strip().splitlines()[-1].removeprefix("run_id=")
    MlflowRegistry(tracking_uri).record_event(model_name, "", {"event": "retrain_triggered", "reason": reason,
                                                                "kfp_run": run_id})
    print(f"ctloop: triggered continuous training of {model_name} (KFP run {run_id}): {reason}")
    return namedtuple("TriggerOutputs", ["run_id"])(run_id)


@component
def ingest_labels(
    labels_uri: str,
    labels_root: str,
    key: str = "request_id",
    label_column: str = "label",
) -> NamedTuple("LabelOutputs", [("rows", int)]):
    """Append ground truth to the label store, keyed by request id or a business key.

    Args:
        labels_uri: CSV or Parquet file (local or gs://) with the key column and the label.
        labels_root: Label store root; labels land in ``<labels_root>/labels/``.
        key: Join key with the inference log: ``request_id`` or a business key carried in a
            metadata header.
        label_column: Column holding the label.

    Returns:
        rows: Labels appended.
    """
    from collections import namedtuple

    from ctloop.labels import ingest_labels as ingest

    rows = ingest(labels_uri, labels_root, key=key, label=label_column)
    print(f"ctloop: appended {rows} labels from {labels_uri}")
    return namedtuple("LabelOutputs", ["rows"])(rows)
