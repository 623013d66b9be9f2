"""The estimator catalogue: what ``training.estimator`` may name, how each is built, its defaults and
its search space. Used by ``train_model`` (and the backtest) to build the model, and by the
configuration to validate the name.

Defaults keep 1M-row fits in seconds to a minute on 2 cores (benchmarks/bench_train_speed.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ctloop.errors import ConfigError
from ctloop.metrics import TASKS


@dataclass(frozen=True)
class EstimatorSpec:
    """How to build an estimator and what to search over."""

    classification: str | None
    regression: str | None
    defaults: dict[str, dict[str, Any]]
    search_space: dict[str, list[Any]]
    scale_numeric: bool = True


# Random forest is capped in depth, leaf size and bootstrap sample — half the rows, at most
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


def row_dependent_defaults(estimator: str, params: dict[str, Any], n_rows: int) -> dict[str, Any]:
    """Defaults that depend on the training size (recorded with the other hyperparameters)."""
    if estimator == "random_forest" and "max_samples" not in params and n_rows * 0.5 > RF_MAX_TREE_ROWS:
        return {**params, "max_samples": RF_MAX_TREE_ROWS / n_rows}
    return params


def _import(path: str):
    import importlib

    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def build(task: str, estimator: str, params: dict[str, Any], seed: int):
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




__all__ = ["EstimatorSpec", "ESTIMATORS", "RF_MAX_TREE_ROWS", "build", "row_dependent_defaults"]
