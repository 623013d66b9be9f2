"""KFP interface of ``train_model``."""

from typing import NamedTuple, Optional

from kfp.dsl import Dataset, Input, Model, Output

from ctloop.kfp_support import component


@component
def train_model(
    train_data: Input[Dataset],
    target: str,
    time_column: str,
    model_name: str,
    model: Output[Model],
    task: str = "classification",
    estimator: str = "hist_gradient_boosting",
    hyperparameters: Optional[dict] = None,
    search_iterations: int = 0,
    dataset_digest: str = "",
    data_uri: str = "",
    tracking_uri: str = "",
    seed: int = 0,
) -> NamedTuple("TrainOutputs", [("run_id", str), ("model_uri", str)]):
    """Fit a scikit-learn Pipeline and log it to MLflow.

    The Pipeline imputes (median / most frequent), scales numeric columns (linear models) and
    one-hot encodes categorical ones in a ColumnTransformer, then fits the estimator; sample
    weights come from ``_ctloop_weight`` when ``prepare_data`` wrote recency weights. The MLflow
    run records params, metrics, the dataset (digest and source), a drift reference sample, the
    model with its signature (skops) and a joblib copy for KServe.

    Args:
        train_data: Dataset from ``prepare_data`` (Parquet).
        target: Label column.
        time_column: Time column, excluded from the features.
        model_name: Registered model name; also the MLflow experiment of the training runs.
        model: Output Model: a directory with ``model.joblib`` and ``ctloop-model.json`` (task,
            target, features, classes, estimator, params, scikit-learn version, MLflow run/model URI).
        task: ``classification`` or ``regression``.
        estimator: ``hist_gradient_boosting``, ``random_forest``, ``logistic_regression``
            (classification) or ``linear_regression`` (regression, ridge).
        hyperparameters: Estimator hyperparameters, e.g. ``{"max_iter": 300}``; validated against
            the estimator before fitting.
        search_iterations: Randomized-search iterations over the estimator's documented search
            space with time-series cross-validation (0 = no search).
        dataset_digest: Content fingerprint of the training data (from ``prepare_data``).
        data_uri: Where the data came from (recorded as the MLflow dataset source).
        tracking_uri: MLflow tracking URI; empty means ``MLFLOW_TRACKING_URI`` from the environment.
        seed: Random seed of the estimator and the search.

    Returns:
        run_id: The MLflow run id.
        model_uri: The MLflow model URI (``models:/m-...``) that ``register_model`` registers.
    """
    import time
    from collections import namedtuple

    from ctloop import tracking
    from ctloop.artifacts import read_dataset, save_model
    from ctloop.components.train import core

    frame = read_dataset(train_data.path)
    started = time.perf_counter()
    result = core.fit(frame, target=target, task=task, estimator=estimator, params=hyperparameters or {},
                      search_iterations=search_iterations, exclude=(time_column,), seed=seed)
    seconds = time.perf_counter() - started
    result.metrics["fit_seconds"] = round(seconds, 3)
    print(f"ctloop: fitted {estimator} on {len(frame)} rows × {len(result.meta['features'])} features "
          f"in {seconds:.1f} s {result.metrics}")
    meta = {**result.meta, "time_column": time_column, "dataset_digest": dataset_digest}
    params = {"estimator": estimator, "task": task, "search_iterations": search_iterations, **result.meta["params"]}
    run_id, model_uri = tracking.log_training_run(
        tracking_uri=tracking_uri, experiment=model_name, model=result.model, meta=meta, params=params,
        metrics=result.metrics, train_frame=frame.drop(columns=[time_column], errors="ignore"),
        dataset_digest=dataset_digest, data_uri=data_uri, seed=seed,
    )
    meta.update({"mlflow_run_id": run_id, "mlflow_model_uri": model_uri})
    save_model(model.path, result.model, meta)
    model.metadata.update({"mlflow_run_id": run_id, "mlflow_model_uri": model_uri, "estimator": estimator,
                           "task": task, "framework": "scikit-learn", "sklearn_version": meta["sklearn_version"]})
    print(f"ctloop: logged MLflow run {run_id} ({model_uri})")
    return namedtuple("TrainOutputs", ["run_id", "model_uri"])(run_id, model_uri)
