"""KFP interface of ``train_model``."""

from typing import NamedTuple, Optional

from kfp.dsl import Dataset, Input, Model, Output

from ctloop.kfp_support import component


@component
def train_model(
    train_data: Input[Dataset],
    model_name: str,
    data: dict,
    model: Output[Model],
    training: Optional[dict] = None,
    gate: Optional[dict] = None,
    holdout_data: Optional[Input[Dataset]] = None,
    dataset_digest: str = "",
    tracking_uri: str = "",
) -> NamedTuple("TrainOutputs", [("run_id", str), ("model_uri", str)]):
    """Fit a scikit-learn Pipeline and log it to MLflow.

    The Pipeline imputes (median / most frequent), scales numeric columns (linear models) and
    one-hot encodes categorical ones in a ColumnTransformer, then fits the estimator; sample
    weights come from ``_ctloop_weight`` when ``prepare_data`` wrote recency weights. With
    ``training.candidate_since`` it trains on the rows since then when that model is confidently
    better (``ctloop.retrain.choose_start``, the backtest's choice too), and says which start it
    used (printed, MLflow param and tag ``training_start``/``ctloop.training_start``, model meta
    ``training_start``). The MLflow run records params, metrics, the dataset (digest and source),
    a drift reference sample, the model with its signature (skops) and a joblib copy for KServe.

    Args:
        train_data: Dataset from ``prepare_data`` (Parquet).
        model_name: Registered model name; also the MLflow experiment of the training runs.
        data: The ``data`` section (``ctloop.config.DataConfig``): ``target`` is the label, the
            ``time_column`` is never a feature, ``uri`` is recorded as the dataset's source.
        model: Output Model: a directory with ``model.joblib`` and ``ctloop-model.json`` (task,
            target, features, classes, estimator, params, scikit-learn version, MLflow run/model URI,
            ``training_start``: the candidate start's choice, null without one).
        training: The ``training`` section (``ctloop.config.TrainingConfig``;
            docs/configuration.md): ``task``, ``estimator``, ``hyperparameters`` (validated against
            the estimator before fitting), ``search_iterations`` (randomized search with
            time-series CV), ``seed``, ``candidate_since`` (a recovery's candidate start, set by
            ``trigger_training``: also trains on the rows since then and keeps that model when it
            is confidently better on the newest of them, ``ctloop.retrain``); empty = the defaults.
        gate: The ``gate`` section (``ctloop.config.GateConfig``): the paired bootstrap that compares
            the model since ``training.candidate_since`` with the whole window's; empty = the defaults.
        holdout_data: The gate's holdout from ``prepare_data``: the newest rows of the window, where
            the rows since a recent ``training.candidate_since`` are (only read with one).
        dataset_digest: Content fingerprint of the training data (from ``prepare_data``).
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.

    Returns:
        run_id: The MLflow run id.
        model_uri: The MLflow model URI (``models:/m-...``) that ``register_model`` registers.
    """
    import time
    from collections import namedtuple

    from ctloop import tracking
    from ctloop.artifacts import META_SKOPS_SHA256, load_model_meta, read_dataset, save_model
    from ctloop.config import DataConfig, GateConfig, TrainingConfig
    from ctloop.retrain import run

    data_cfg, cfg = DataConfig.from_dict(data), TrainingConfig.from_dict(training)
    frame = read_dataset(train_data.path)
    started = time.perf_counter()
    holdout = read_dataset(holdout_data.path) if holdout_data is not None and cfg.candidate_since else None
    result, rows, choice = run(frame, holdout, cfg, GateConfig.from_dict(gate), target=data_cfg.target,
                               time_column=data_cfg.time_column, holdout_fraction=data_cfg.holdout_fraction)
    result.metrics["fit_seconds"] = round(time.perf_counter() - started, 3)
    if choice is not None:
        print(f"ctloop: training start: {choice.note}")
    print(f"ctloop: fitted {cfg.estimator} on {len(rows)} rows × {len(result.meta['features'])} features "
          f"in {result.metrics['fit_seconds']:.1f} s {result.metrics}")
    meta = {**result.meta, "time_column": data_cfg.time_column, "dataset_digest": dataset_digest,
            "training_start": choice.to_meta() if choice else None}
    params = {"estimator": cfg.estimator, "task": cfg.task, "search_iterations": cfg.search_iterations,
              **result.meta["params"], **({"training_start": choice.start or "window"} if choice else {})}
    run_id, model_uri = tracking.log_training_run(
        tracking_uri=tracking_uri, experiment=model_name, model=result.model, meta=meta, params=params,
        metrics=result.metrics, train_frame=rows.drop(columns=[data_cfg.time_column], errors="ignore"),
        dataset_digest=dataset_digest, data_uri=data_cfg.uri, seed=cfg.seed,
        run_tags={"ctloop.training_start": choice.note} if choice else None,
    )
    meta.update({"mlflow_run_id": run_id, "mlflow_model_uri": model_uri})
    save_model(model.path, result.model, meta)
    model.metadata.update({"mlflow_run_id": run_id, "mlflow_model_uri": model_uri, "estimator": cfg.estimator,
                           "task": cfg.task, "framework": "scikit-learn", "sklearn_version": meta["sklearn_version"],
                           "skops_sha256": load_model_meta(model.path)[META_SKOPS_SHA256],
                           "notes": list(result.meta.get("notes") or [])})
    for note in result.meta.get("notes") or []:
        print(f"ctloop: NOTE: {note}")
    print(f"ctloop: logged MLflow run {run_id} ({model_uri})")
    return namedtuple("TrainOutputs", ["run_id", "model_uri"])(run_id, model_uri)
