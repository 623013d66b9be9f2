"""Training: a scikit-learn Pipeline (impute, scale, one-hot) around a configurable estimator.

KFP-free. ``fit(frame, target=..., task=..., estimator=..., params=...)`` returns the fitted
Pipeline with the meta ctloop stores next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ctloop.columns import WEIGHT
from ctloop.errors import ConfigError, DataValidationError, TrainingError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

TASKS = ("classification", "regression")


@dataclass(frozen=True)
class EstimatorSpec:
    """How to build an estimator and what to search over."""

    classification: str | None
    regression: str | None
    defaults: dict[str, dict[str, Any]]
    search_space: dict[str, list[Any]]
    scale_numeric: bool = True


# Defaults keep 1M-row fits in seconds to a minute on 2 cores (benchmarks/bench_train_speed.py):
# random forest is capped in depth, leaf size and bootstrap sample — half the rows, at most
# RF_MAX_TREE_ROWS per tree unless ``max_samples`` is given — so its cost stops growing with rows.
ESTIMATORS: dict[str, EstimatorSpec] = {
    "hist_gradient_boosting": EstimatorSpec(
        classification="sklearn.ensemble.HistGradientBoostingClassifier",
        regression="sklearn.ensemble.HistGradientBoostingRegressor",
        # Regularised for the few-thousand-row windows of continuous training; early stopping
        # on a 15 % validation split caps the iterations on any size.
        defaults={"*": {"max_iter": 300, "learning_rate": 0.05, "max_leaf_nodes": 15,
                        "min_samples_leaf": 40, "l2_regularization": 1.0, "early_stopping": True,
                        "validation_fraction": 0.15, "n_iter_no_change": 20}},
        search_space={
            "learning_rate": [0.03, 0.05, 0.1, 0.2],
            "max_leaf_nodes": [15, 31, 63],
            "min_samples_leaf": [20, 50, 100],
            "l2_regularization": [0.0, 0.1, 1.0],
            "max_iter": [100, 200, 400],
        },
        scale_numeric=False,
    ),
    "random_forest": EstimatorSpec(
        classification="sklearn.ensemble.RandomForestClassifier",
        regression="sklearn.ensemble.RandomForestRegressor",
        defaults={"*": {"n_estimators": 200, "max_depth": 16, "min_samples_leaf": 5,
                        "max_samples": 0.5, "n_jobs": -1}},
        search_space={
            "n_estimators": [100, 200, 400],
            "max_depth": [8, 12, 16, 24],
            "min_samples_leaf": [1, 5, 20],
            "max_features": ["sqrt", 0.5, 1.0],
        },
        scale_numeric=False,
    ),
    "logistic_regression": EstimatorSpec(
        classification="sklearn.linear_model.LogisticRegression",
        regression=None,
        defaults={"*": {"max_iter": 2000, "C": 1.0}},
        search_space={"C": [0.01, 0.1, 1.0, 10.0]},
    ),
    "linear_regression": EstimatorSpec(
        classification=None,
        regression="sklearn.linear_model.Ridge",
        defaults={"*": {"alpha": 1.0}},
        search_space={"alpha": [0.01, 0.1, 1.0, 10.0, 100.0]},
    ),
}


RF_MAX_TREE_ROWS = 100_000


def _row_dependent_defaults(estimator: str, params: dict[str, Any], n_rows: int) -> dict[str, Any]:
    """Defaults that depend on the training size (recorded with the other hyperparameters)."""
    if estimator == "random_forest" and "max_samples" not in params and n_rows * 0.5 > RF_MAX_TREE_ROWS:
        return {**params, "max_samples": RF_MAX_TREE_ROWS / n_rows}
    return params


@dataclass
class TrainResult:
    model: Any
    meta: dict[str, Any]
    metrics: dict[str, float] = field(default_factory=dict)
    best_params: dict[str, Any] = field(default_factory=dict)


def _import(path: str):
    import importlib

    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _estimator(task: str, estimator: str, params: dict[str, Any], seed: int):
    if task not in TASKS:
        raise ConfigError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    spec = ESTIMATORS.get(estimator)
    if spec is None:
        raise ConfigError(f"unknown estimator {estimator!r}; choose one of {', '.join(sorted(ESTIMATORS))}")
    path = getattr(spec, task)
    if path is None:
        options = sorted(k for k, s in ESTIMATORS.items() if getattr(s, task))
        raise ConfigError(f"estimator {estimator!r} does not support {task}; for {task} use one of {', '.join(options)}")
    cls = _import(path)
    valid = cls().get_params()
    # KFP passes dict parameters through JSON/protobuf, which turns integers into floats:
    # restore ints where the estimator's default is an int or None (max_iter, max_depth, ...).
    params = {
        k: int(v) if isinstance(v, float) and v.is_integer() and (
            isinstance(valid.get(k), int) and not isinstance(valid.get(k), bool) or valid.get(k) is None
        ) else v
        for k, v in params.items()
    }
    merged = {**spec.defaults.get("*", {}), **params}
    unknown = sorted(set(merged) - set(valid))
    if unknown:
        raise ConfigError(
            f"hyperparameter(s) {unknown} are not valid for {cls.__name__}; valid: {', '.join(sorted(valid))}"
        )
    if "random_state" in valid and "random_state" not in merged:
        merged["random_state"] = seed
    try:
        return cls(**merged), merged
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid hyperparameters for {cls.__name__}: {exc}") from exc


def split_features(frame: pd.DataFrame, *, target: str, exclude: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """``(numeric, categorical)`` feature columns: everything except target/weight/exclude."""
    import pandas as pd

    skip = {target, WEIGHT, *exclude}
    numeric, categorical = [], []
    for name in frame.columns:
        if name in skip:
            continue
        col = frame[name]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            if pd.api.types.is_datetime64_any_dtype(col):
                continue  # timestamps are not features (use derived columns)
            categorical.append(name)
        else:
            numeric.append(name)
    return numeric, categorical


def build_pipeline(*, task: str, estimator: str, params: dict[str, Any] | None, numeric: list[str],
                   categorical: list[str], seed: int = 0):
    """The unfitted Pipeline: ColumnTransformer(numeric impute+scale, categorical impute+one-hot) → model."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    model, merged = _estimator(task, estimator, dict(params or {}), seed)
    spec = ESTIMATORS[estimator]
    num_steps = [("impute", SimpleImputer(strategy="median"))]
    if spec.scale_numeric:
        num_steps.append(("scale", StandardScaler()))
    cat_steps = [
        ("impute", SimpleImputer(strategy="most_frequent")),
        ("onehot", OneHotEncoder(handle_unknown="ignore", min_frequency=5, sparse_output=False)),
    ]
    pre = ColumnTransformer(
        [("numeric", Pipeline(num_steps), numeric), ("categorical", Pipeline(cat_steps), categorical)],
        remainder="drop",
        verbose_feature_names_out=False,
    )
    return Pipeline([("preprocess", pre), ("model", model)]), merged


def fit(
    frame: pd.DataFrame,
    *,
    target: str,
    task: str = "classification",
    estimator: str = "hist_gradient_boosting",
    params: dict[str, Any] | None = None,
    search_iterations: int = 0,
    exclude: tuple[str, ...] | list[str] = (),
    seed: int = 0,
) -> TrainResult:
    """Fit the Pipeline on ``frame``; see the module doc. Uses ``_ctloop_weight`` as sample weight."""
    import numpy as np
    import pandas as pd
    import sklearn

    if target not in frame.columns:
        raise DataValidationError([(target, "required", len(frame), "target column is missing from the training data")])
    data = frame.dropna(subset=[target])
    if data.empty:
        raise DataValidationError([(target, "all_null", len(frame), "no rows with a target value")])
    y = data[target]
    if task == "classification":
        classes = sorted(pd.unique(y).tolist())
        if len(classes) < 2:
            raise TrainingError(f"target {target!r} has a single class {classes}: a classifier needs at least two")
    elif task == "regression":
        if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
            raise DataValidationError([(target, "dtype", len(y), f"regression needs a numeric target, got {y.dtype}")])
        classes = []
    numeric, categorical = split_features(data, target=target, exclude=tuple(exclude))
    if not numeric and not categorical:
        raise DataValidationError([("*", "features", 0, "no feature columns left after removing target/time/weight")])
    params = _row_dependent_defaults(estimator, dict(params or {}), len(data))
    pipeline, merged = build_pipeline(task=task, estimator=estimator, params=params, numeric=numeric,
                                      categorical=categorical, seed=seed)
    x = data[numeric + categorical]
    fit_kw = {}
    if WEIGHT in data.columns:
        fit_kw["model__sample_weight"] = data[WEIGHT].to_numpy(dtype=float)
    best_params: dict[str, Any] = {}
    metrics: dict[str, float] = {}
    try:
        if search_iterations and search_iterations > 0:
            from sklearn.model_selection import RandomizedSearchCV, TimeSeriesSplit

            space = {f"model__{k}": v for k, v in ESTIMATORS[estimator].search_space.items()}
            search = RandomizedSearchCV(
                pipeline, space, n_iter=int(search_iterations),
                scoring="roc_auc" if task == "classification" and len(classes) == 2 else
                ("neg_log_loss" if task == "classification" else "neg_root_mean_squared_error"),
                cv=TimeSeriesSplit(n_splits=3), random_state=seed, n_jobs=1, refit=True,
            )
            search.fit(x, y, **fit_kw)
            pipeline = search.best_estimator_
            best_params = {k.removeprefix("model__"): v for k, v in search.best_params_.items()}
            metrics["cv_score"] = float(search.best_score_)
        else:
            pipeline.fit(x, y, **fit_kw)
    except ValueError as exc:
        raise TrainingError(f"fitting {estimator} failed: {exc}") from exc
    if task == "classification":
        pred = pipeline.predict(x)
        metrics["train_accuracy"] = float(np.mean(pred == y.to_numpy()))
    else:
        err = pipeline.predict(x) - y.to_numpy(dtype=float)
        metrics["train_rmse"] = float(np.sqrt(np.mean(err**2)))
    meta = {
        "task": task,
        "target": target,
        "features": numeric + categorical,
        "numeric": numeric,
        "categorical": categorical,
        "classes": [c.item() if hasattr(c, "item") else c for c in classes],
        "estimator": estimator,
        "params": {**merged, **best_params},
        "sklearn_version": sklearn.__version__,
        "train_rows": len(data),
        "weighted": WEIGHT in data.columns,
    }
    return TrainResult(model=pipeline, meta=meta, metrics=metrics, best_params=best_params)


__all__ = ["ESTIMATORS", "TASKS", "TrainResult", "build_pipeline", "fit", "split_features"]
