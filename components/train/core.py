"""Training: a scikit-learn Pipeline (impute, scale, one-hot) around a configurable estimator.

KFP-free. ``fit(frame, target=..., task=..., estimator=..., params=...)`` returns the fitted
Pipeline with the meta ctloop stores next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ctloop.columns import WEIGHT
from ctloop.config import TrainingConfig
from ctloop.errors import DataValidationError, TrainingError
from ctloop.estimators import ESTIMATORS, build, row_dependent_defaults

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

@dataclass
class TrainResult:
    model: Any
    meta: dict[str, Any]
    metrics: dict[str, float] = field(default_factory=dict)
    best_params: dict[str, Any] = field(default_factory=dict)


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

    model, merged = build(task, estimator, dict(params or {}), seed)
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
    task: str = TrainingConfig.task,
    estimator: str = TrainingConfig.estimator,
    params: dict[str, Any] | None = None,
    search_iterations: int = TrainingConfig.search_iterations,
    exclude: tuple[str, ...] | list[str] = (),
    seed: int = TrainingConfig.seed,
) -> TrainResult:
    """Fit the Pipeline on ``frame``; see the module doc. Uses ``_ctloop_weight`` as sample weight.
    Defaults: :class:`ctloop.config.TrainingConfig`."""
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
    params = row_dependent_defaults(estimator, dict(params or {}), len(data))
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


def run(frame: pd.DataFrame, cfg: TrainingConfig, *, target: str, time_column: str) -> TrainResult:
    """:func:`fit` with the settings of the ``training`` section (the time column is never a feature)."""
    return fit(frame, target=target, task=cfg.task, estimator=cfg.estimator, params=dict(cfg.hyperparameters),
               search_iterations=cfg.search_iterations, exclude=(time_column,), seed=cfg.seed)


__all__ = ["TrainResult", "run", "build_pipeline", "fit", "split_features"]
