"""KFP interfaces of ``monitor_model``, ``trigger_training`` and ``ingest_labels``."""

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
    score_column: str = "",
    metric: str = "",
    label_lookback: str = "7D",
    min_labels: int = 200,
    tracking_uri: str = "",
) -> NamedTuple("MonitorOutputs", [("retrain", bool), ("rule", str), ("reason", str), ("monitor_run_id", str),
                                   ("warnings", str)]):
    """Judge the latest window of served traffic and decide whether to retrain (docs/monitoring.md).

    Reads only the ``date=`` partitions of the inference log that the window and the label
    lookback need. Drift: the window's logged features against the champion's training
    reference (the statistics of ``detect_drift``; v1 list instances logged as ``f0..fN`` are
    mapped to the champion's feature order). Realized metric: every prediction of the last
    ``label_lookback`` whose label has arrived, per ``model_version`` and per revision; the
    rules use the rows served by the champion version. Each window is one MLflow run in
    experiment ``<model_name>-monitoring`` (metrics with the window end as timestamp), and the
    rules are applied over that history (the last windows and the last successful trigger).

    Args:
        log_root: Root of the inference log (local path or gs://), as written by ``ctloop logger``.
        model_name: Registered model (and InferenceService) name.
        monitor_metrics: Output Metrics: ``rows``, ``drift_share``, ``drift_score_<feature>``,
            ``realized`` and ``realized_rows`` (when labelled).
        window: Length of the window judged, e.g. ``1h`` (match the schedule).
        as_of: End of the window (ISO 8601); empty means now (UTC).
        labels_root: Label store root (``ctloop labels ingest``); empty = no realized metric.
        rules: Retraining rules: ``drift_share`` + ``drift_windows`` (N consecutive windows),
            ``realized_floor``, ``realized_drop`` (vs the champion's validation metric),
            ``min_rows_since_training``, ``cooldown`` (e.g. ``24h``). Empty = never retrain.
        score_column: Logged prediction column scored against the label; empty = ``prediction_1``
            (binary classification: the positive-class probability), every ``prediction_<i>``
            (multiclass: the class probabilities in the order of the champion's classes) or
            ``prediction`` (regression). Labels are matched to the champion's classes.
        metric: Realized metric, named as in ``evaluate_model``: ``roc_auc`` (default for
            classification), ``accuracy``, ``log_loss``, ``precision``, ``recall``, ``f1``;
            ``rmse`` (default for regression), ``mae``, ``r2``.
        label_lookback: How far back predictions count for the realized metric (labels arrive
            late), e.g. ``7D``.
        min_labels: Labelled rows served by the champion needed before the realized rules may fire.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.

    Returns:
        retrain: Whether a rule fired (outside the cooldown).
        rule: The rule that decided (``drift``, ``realized_floor``, ``realized_drop``, ``volume``,
            ``cooldown`` or ``none``).
        reason: The decision in words, with the numbers, and any warning.
        monitor_run_id: The MLflow run of this window (``trigger_training`` marks it triggered).
        warnings: What could not be judged (e.g. drift not computed: features not matched);
            empty when everything was.
    """
    from collections import namedtuple

    import mlflow
    import pandas as pd

    from ctloop import labels as labels_mod
    from ctloop.components.monitor import core, history
    from ctloop.drift import engine as drift_core
    from ctloop.registry import MlflowRegistry
    from ctloop.timeutil import parse_duration

    Outputs = namedtuple("MonitorOutputs", ["retrain", "rule", "reason", "monitor_run_id", "warnings"])
    rules = core.check_rules(dict(rules or {}))
    registry = MlflowRegistry(tracking_uri)
    end = pd.Timestamp(as_of) if as_of else pd.Timestamp.now("UTC")
    end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
    start = end - parse_duration(window)
    lookback_start = end - parse_duration(label_lookback) if labels_root else start
    read_from = min(start, lookback_start)
    logs = labels_mod.read_log(log_root, model_name, read_from, end)
    current = logs[logs["_time"] > start]
    record = {"window_end": end.isoformat(), "rows": int(len(current)), "drift_share": None, "realized": None,
              "realized_rows": 0}
    series: dict[str, float] = {"rows": float(len(current)), "served_rows": float(len(labels_mod.served(current)))}
    tags: dict[str, str] = {}
    warnings: list[str] = []
    exp_id = history.experiment_id(registry.client, model_name)
    past = history.read(registry.client, exp_id, window_end=record["window_end"], need=core.history_needs(rules))
    champion = registry.champion(model_name)
    champion_metric = rows_since = None
    metric_name, score = core.resolve_metric("classification", metric, score_column)
    if champion is None:
        warnings.append(f"no champion of {model_name!r} in the registry: drift and realized metric not computed")
    else:
        meta = registry.load_meta(model_name, champion.version)
        task = champion.tags.get("ctloop.task") or meta.get("task") or "classification"
        metric_name, score = core.resolve_metric(task, metric, score_column)
        classes = (list(meta.get("classes") or []) or None) if task == "classification" else None
        if classes is not None and len(classes) > 2:  # multiclass: every class's probability, in class order
            if score_column:
                warnings.append(f"score_column {score_column!r} ignored: a {len(classes)}-class champion is scored "
                                f"on prediction_0..prediction_{len(classes) - 1}")
            score = [f"prediction_{i}" for i in range(len(classes))]
        tags["champion_version"] = champion.version
        since = pd.Timestamp(champion.tags.get("ctloop.champion_since") or "1970-01-01T00:00:00Z")
        since = since.tz_localize("UTC") if since.tzinfo is None else since
        tag = champion.tags.get(f"ctloop.metric.challenger.{metric_name}")
        champion_metric = float(tag) if tag else None
        requested = current[labels_mod.flag(current["has_request"])] if "has_request" in current.columns else current
        if len(requested):
            reference = registry.load_reference(model_name, champion.version)
            features = list(meta.get("features") or [c for c in reference.columns if c != "_ctloop_weight"])
            aligned, alignment = core.align_features(requested, features)
            tags["feature_mapping"] = alignment.mapping
            if alignment.warning:
                warnings.append(alignment.warning)
            if alignment.columns:
                aligned = core.coerce_like(aligned, reference, alignment.columns)
                result = drift_core.detect(reference, aligned, columns=alignment.columns)
                record["drift_share"] = series["drift_share"] = float(result.share)
                for col in result.columns:
                    if col.score == col.score:
                        series[f"drift_score_{col.column}"] = float(col.score)
                    series[f"drifted_{col.column}"] = float(col.drifted)
        # volume since training: carried from the previous window of the same champion
        prev = history.previous(past, record["window_end"])
        carried, count_from = 0, since
        if prev and prev["champion_version"] == champion.version and prev["rows_since_training"] is not None:
            carried, count_from = int(prev["rows_since_training"]), max(pd.Timestamp(prev["window_end"]), since)
        if count_from < read_from:
            warnings.append(f"rows logged between {count_from:%Y-%m-%d %H:%M} and {read_from:%Y-%m-%d %H:%M} are not "
                            "in the volume count (no monitoring run covered them)")
        rows_since = carried + int((logs["_time"] > count_from).sum())
        series["rows_since_training"] = float(rows_since)
        if labels_root:
            lookback = logs[logs["_time"] > lookback_start]
            joined = labels_mod.join_labels(lookback, labels_mod.read_labels(labels_root))
            tags["label_join"] = joined.describe()
            if joined.problem and joined.problem not in ("no labels", "no served rows"):
                warnings.append(f"labels not joined: {joined.problem}")
            if joined.skipped_batched:
                warnings.append(f"{joined.skipped_batched} labelled rows of batched requests skipped: their labels "
                                "have no instance column")
            frame = joined.frame
            absent = [c for c in labels_mod.score_columns(score) if c not in frame.columns]
            if len(frame) and absent:
                warnings.append(f"realized metric not computed: the log has no score column {absent[0]!r}")
            elif len(frame):
                named = frame.assign(model_version=frame["model_version"].replace("", "unknown"))
                for by in ("model_version", "revision"):
                    if by not in named.columns:
                        continue
                    per = labels_mod.realized_metrics(named, task=task, score=score, by=(by,), metrics=(metric_name,),
                                                      classes=classes)
                    for _, row in per.iterrows():
                        if row[metric_name] == row[metric_name]:
                            series[history.metric_key(f"realized_{metric_name}.{by}.{row[by]}")] = float(row[metric_name])
                        series[history.metric_key(f"realized_rows.{by}.{row[by]}")] = float(row["rows"])
                rows, how = core.champion_rows(frame, champion.version, since)
                rows = rows.dropna(subset=labels_mod.score_columns(score))
                usable = labels_mod.scorable(rows["label"], classes, task)
                if not usable.all():
                    sample = rows.loc[~usable, "label"].iloc[0]
                    warnings.append(f"{int((~usable).sum())} labels left out of the realized metric: not "
                                    + (f"a class of the champion {classes} (e.g. {sample!r})" if classes else
                                       f"numbers (e.g. {sample!r})"))
                rows = rows[usable]
                tags["realized_rows_are"] = how
                record["realized_rows"] = int(len(rows))
                if len(rows):
                    value = labels_mod.metric_value(metric_name, rows["label"], rows[score], classes)
                    record["realized"] = value if value == value else None
            series["realized_rows"] = float(record["realized_rows"])
            if record["realized"] is not None:
                series["realized"] = float(record["realized"])
    verdict = core.decide(past, record, rules, champion_metric=champion_metric, rows_since_training=rows_since,
                          metric=metric_name, min_labels=min_labels, window=window)
    reason = verdict.reason + ("".join(f"; WARNING: {w}" for w in warnings))
    stamp = int(end.timestamp() * 1000)
    with mlflow.start_run(experiment_id=exp_id, run_name=f"window-{end:%Y%m%dT%H%M}") as run:
        mlflow.log_metrics(series, timestamp=stamp)
        mlflow.set_tags({**tags, "window_end": record["window_end"], "retrain": str(verdict.fire).lower(),
                         "triggered": history.PENDING if verdict.fire else history.NOT_TRIGGERED,
                         "rule": verdict.rule, "reason": reason[:4000], "realized_metric": metric_name,
                         "warnings": "; ".join(warnings)[:4000]})
        run_id = run.info.run_id
    for key, value in series.items():
        if not key.startswith(("realized_", "drifted_")) or key == "realized_rows":
            monitor_metrics.log_metric(key, round(value, 6))
    for warning in warnings:
        print(f"ctloop: WARNING: monitor {model_name}: {warning}")
    print(f"ctloop: monitor {model_name} window ending {end}: rows={record['rows']} drift_share={record['drift_share']} "
          f"realized {metric_name}={record['realized']} (n={record['realized_rows']}) → {verdict.rule}: {verdict.reason}")
    return Outputs(verdict.fire, verdict.rule, reason, run_id, "; ".join(warnings))


@component
def trigger_training(
    model_name: str,
    reason: str,
    kfp_host: str = "",
    experiment: str = "ctloop",
    pipeline_parameters: Optional[dict] = None,
    image: str = "",
    pvc_mounts: str = "",
    monitor_run_id: str = "",
    tracking_uri: str = "",
) -> NamedTuple("TriggerOutputs", [("run_id", str)]):
    """Start a continuous-training run through the KFP API, recording why.

    The monitoring window that decided is marked ``triggered=true`` only once the run was
    created; a failed call marks it ``triggered=failed`` with ``trigger_error``, records a
    ``retrain_trigger_failed`` audit event and fails this step (the next window decides again:
    a failed trigger starts no cooldown).

    Args:
        model_name: Registered model to retrain (passed as ``model_name``).
        reason: The rule that fired, recorded in the audit trail and the run name.
        kfp_host: KFP API URL; empty means in-cluster (service-account token).
        experiment: KFP experiment of the triggered run.
        pipeline_parameters: Parameters of the continuous-training run (``force_retrain`` is set).
        image: Component image the continuous-training pipeline is compiled with (a private
            mirror, e.g. ``registry.example.com/ml/ctloop:0.1.0``); empty = the image of this
            ctloop version. Give the image the monitoring pipeline runs with.
        pvc_mounts: PersistentVolumeClaims mounted into every task of the triggered run,
            ``CLAIM:PATH`` separated by commas (``ctloop trigger --mount-pvc``); empty = none.
        monitor_run_id: MLflow run of the monitoring window that decided (``monitor_model``'s
            ``monitor_run_id``); empty = none to mark.
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.

    Returns:
        run_id: The KFP run id of the triggered continuous-training run.
    """
    import json
    import os
    import subprocess
    import sys
    from collections import namedtuple

    from ctloop.components.monitor import history
    from ctloop.errors import PlatformError
    from ctloop.registry import MlflowRegistry

    registry = MlflowRegistry(tracking_uri)
    params = {**(pipeline_parameters or {}), "model_name": model_name, "force_retrain": True}
    # A child process: inside a task KFP runs in runtime mode (_KFP_RUNTIME), where neither the
    # pipeline DSL nor kfp.Client is loaded; `ctloop trigger` compiles and submits the run.
    env = {k: v for k, v in os.environ.items() if k != "_KFP_RUNTIME"}
    cmd = [sys.executable, "-m", "ctloop", "trigger", "--experiment", experiment, "--params", json.dumps(params),
           "--run-name", f"retrain-{model_name}"] + (["--host", kfp_host] if kfp_host else []) \
        + (["--image", image] if image else []) \
        + [arg for mount in pvc_mounts.split(",") if mount.strip() for arg in ("--mount-pvc", mount.strip())]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr or proc.stdout or "").splitlines() if ln.strip()]
        error = next((ln for ln in reversed(lines) if ln.startswith("error:")), lines[-1] if lines else
                     f"`ctloop trigger` exited with {proc.returncode}")[:1500]
        if monitor_run_id:
            registry.client.set_tag(monitor_run_id, "triggered", history.FAILED)
            registry.client.set_tag(monitor_run_id, "trigger_error", error[-4000:])
        registry.record_event(model_name, "", {"event": "retrain_trigger_failed", "reason": reason, "error": error,
                                               "monitor_run": monitor_run_id})
        raise PlatformError(f"could not start the continuous-training run of {model_name}: {error[-500:]}")
    run_id = proc.stdout.strip().splitlines()[-1].removeprefix("run_id=")
    if monitor_run_id:
        registry.client.set_tag(monitor_run_id, "triggered", history.TRIGGERED)
        registry.client.set_tag(monitor_run_id, "kfp_run", run_id)
    registry.record_event(model_name, "", {"event": "retrain_triggered", "reason": reason, "kfp_run": run_id,
                                           "monitor_run": monitor_run_id, "image": image})
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

    Keys are stored as text (a numeric key read from CSV joins the string ``meta_*`` columns of
    the log); a store holds one key, and an ingest with another key is refused. Labels without
    an ``instance`` column only join single-instance requests (docs/monitoring.md).

    Args:
        labels_uri: CSV or Parquet file (local or gs://) with the key column, the label, and
            optionally ``instance`` (index within a batched request) and ``label_time`` (ISO 8601).
        labels_root: Label store root; labels land in ``<labels_root>/labels/``.
        key: Join key with the inference log: ``request_id`` or a business key carried in a
            metadata header (``meta_<header>``, e.g. ``meta_x_order_id``).
        label_column: Column holding the label: the class as the model was trained with (all numbers
            or all names) or the target value of a regressor.

    Returns:
        rows: Labels appended.
    """
    from collections import namedtuple

    from ctloop.labels import ingest_labels as ingest

    rows = ingest(labels_uri, labels_root, key=key, label=label_column)
    print(f"ctloop: appended {rows} labels keyed by {key} from {labels_uri}")
    return namedtuple("LabelOutputs", ["rows"])(rows)
