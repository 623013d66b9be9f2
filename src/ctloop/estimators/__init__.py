"""The estimator catalogue: what ``training.estimator`` may name, how each is built, its defaults and
its search space. Used by ``train_model`` (and the backtest) to build the model, and by the
configuration to validate the name.

``training.estimator`` is a name of :data:`ESTIMATORS`, or **any scikit-learn estimator class by
import path**, ``module:Class`` ("bring your own"): it is imported when the configuration is
checked, must be a classifier (with ``predict_proba``) or a regressor matching ``training.task``,
takes ``training.hyperparameters`` as constructor arguments and has no search space. Its fitted
types are not in ctloop's skops allow-list, so the user declares them (``training.trusted_types``;
``ctloop.artifacts``): training refuses a model that needs any other.

XGBoost and LightGBM are wrapped in :mod:`ctloop.estimators.boosting` (labels of any kind,
early stopping on a validation split, ``class_weight``); their hyperparameters are the library's
own plus the wrapper's (``early_stopping_rounds``, ``validation_fraction``, ``class_weight``).

Defaults keep 1M-row fits in seconds to a minute on 2 cores (benchmarks/bench_train_speed.py).
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import Any

from ctloop.errors import ConfigError
from ctloop.metrics import TASKS


@dataclass(frozen=True)
class EstimatorSpec:
    """How to build an estimator and what to search over."""

    classification: str | None
    regression: str | None
    defaults: dict[str, dict[str, Any]]  # "*": every task; "classification"/"regression": on top
    search_space: dict[str, list[Any]]
    scale_numeric: bool = True
    # the distribution (beside scikit-learn) the fitted model needs at load time, pinned the same
    # in the component and the serving image (requirements/serving.txt)
    library: str = ""
    # wrapped in ctloop.estimators.boosting.Boosted{Classifier,Regressor}
    boosted: bool = False


# The wrapper's own hyperparameters (everything else goes to the wrapped XGBoost/LightGBM model).
BOOSTED_PARAMS = ("early_stopping_rounds", "validation_fraction", "class_weight")
BOOSTED_REGRESSOR_PARAMS = ("early_stopping_rounds", "validation_fraction")

# Regularised for the few-thousand-row windows of continuous training (as hist_gradient_boosting):
# shallow trees, a minimum leaf size, L2, row and column subsampling, and early stopping on a
# 15 % validation split, which caps the rounds on any size.
_BOOSTED_COMMON = {"n_estimators": 400, "learning_rate": 0.05, "subsample": 0.85, "colsample_bytree": 0.85,
                   "reg_lambda": 1.0, "early_stopping_rounds": 20, "validation_fraction": 0.15}

# Random forest is capped in depth, leaf size and bootstrap sample — half the rows, at most
# RF_MAX_TREE_ROWS per tree unless ``max_samples`` is given — so its cost stops growing with rows.
HGB_MIN_LEAVES = 4  # default leaves of fit rows below which HistGradientBoosting's leaf shrinks

ESTIMATORS: dict[str, EstimatorSpec] = {
    "hist_gradient_boosting": EstimatorSpec(
        classification="sklearn.ensemble.HistGradientBoostingClassifier",
        regression="sklearn.ensemble.HistGradientBoostingRegressor",
        # Regularised for the few-thousand-row windows of continuous training; early stopping
        # on a 15 % validation split caps the iterations on any size.
        defaults={"*": {"max_iter": 300, "learning_rate": 0.05, "max_leaf_nodes": 15,
                        "min_samples_leaf": 40, "l2_regularization": 1.0, "early_stopping": True,
                        "validation_fraction": 0.15, "n_iter_no_change": 20},
                  # scikit-learn's tol (1e-7) is an absolute amount of the loss, in the target's units
                  # squared for a regressor: a target of ~1e-4 stopped after n_iter_no_change rounds
                  # whatever it learned. 0 (any improvement) stops the same way at every scale.
                  "regression": {"tol": 0.0}},
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
    "xgboost": EstimatorSpec(
        classification="xgboost.XGBClassifier",
        regression="xgboost.XGBRegressor",
        defaults={"*": {**_BOOSTED_COMMON, "max_depth": 4, "min_child_weight": 5, "tree_method": "hist"}},
        search_space={
            "learning_rate": [0.03, 0.05, 0.1, 0.2],
            "max_depth": [3, 4, 6, 8],
            "min_child_weight": [1, 5, 20],
            "subsample": [0.7, 0.85, 1.0],
            "colsample_bytree": [0.6, 0.85, 1.0],
            "reg_lambda": [0.1, 1.0, 10.0],
            "n_estimators": [200, 400, 800],
        },
        scale_numeric=False,
        library="xgboost",
        boosted=True,
    ),
    "lightgbm": EstimatorSpec(
        classification="lightgbm.LGBMClassifier",
        regression="lightgbm.LGBMRegressor",
        # subsample only takes effect with subsample_freq > 0; verbose -1 silences the C++ log
        defaults={"*": {**_BOOSTED_COMMON, "num_leaves": 15, "min_child_samples": 40, "subsample_freq": 1,
                        "verbose": -1}},
        search_space={
            "learning_rate": [0.03, 0.05, 0.1, 0.2],
            "num_leaves": [15, 31, 63],
            "min_child_samples": [10, 20, 50, 100],
            "subsample": [0.7, 0.85, 1.0],
            "colsample_bytree": [0.6, 0.85, 1.0],
            "reg_lambda": [0.0, 0.1, 1.0, 10.0],
            "n_estimators": [200, 400, 800],
        },
        scale_numeric=False,
        library="lightgbm",
        boosted=True,
    ),
}

# ``training.trusted_types`` may never name these modules' types: building one from a file is
# running code (the reason skops has an allow-list at all).
FORBIDDEN_TRUST = ("builtins", "os", "posix", "nt", "subprocess", "sys", "importlib", "pickle", "marshal",
                   "shutil", "socket", "runpy", "code", "codeop", "ctypes", "functools", "operator", "types",
                   "io", "pathlib", "tempfile", "webbrowser", "pty", "multiprocessing", "threading")

RF_MAX_TREE_ROWS = 100_000
# XGBoost and LightGBM use one OpenMP thread per core by default; below this many rows the threads
# cost more than they save, and on a shared node (other pods, a CPU limit) their spin-waiting made a
# 500-row, 30-round fit 10-14x slower (6.2 s vs 0.45 s for xgboost, 2.4 s vs 0.28 s for lightgbm,
# measured on a shared 2-core machine). Larger windows keep the library's default.
BOOSTED_SINGLE_THREAD_ROWS = 50_000


def row_dependent_defaults(estimator: str, params: dict[str, Any], n_rows: int) -> dict[str, Any]:
    """Defaults that depend on the training size (recorded with the other hyperparameters).

    HistGradientBoosting's default leaf (``min_samples_leaf`` 40) needs twice its rows to split:
    on fewer than ``HGB_MIN_LEAVES`` default leaves of fit rows (the rows less the early-stopping
    split: a fraction, or an int number of rows as scikit-learn reads it) it shrinks to
    1/``HGB_MIN_LEAVES`` of them, else 89 rows made a constant model."""
    spec = ESTIMATORS.get(estimator)
    if spec is not None and spec.boosted and "n_jobs" not in params and n_rows < BOOSTED_SINGLE_THREAD_ROWS:
        return {**params, "n_jobs": 1}
    if estimator == "random_forest" and "max_samples" not in params and n_rows * 0.5 > RF_MAX_TREE_ROWS:
        return {**params, "max_samples": RF_MAX_TREE_ROWS / n_rows}
    if estimator == "hist_gradient_boosting" and "min_samples_leaf" not in params:
        defaults = ESTIMATORS[estimator].defaults["*"]
        held = params.get("validation_fraction", defaults["validation_fraction"]) or 0.0
        early = params.get("early_stopping", defaults["early_stopping"])
        if early is not True:
            fit_rows = n_rows
        elif isinstance(held, int) and not isinstance(held, bool) and held >= 1:
            fit_rows = n_rows - held  # scikit-learn: an int is the number of rows held out
        else:
            fit_rows = int(n_rows * (1 - float(held)))
        if 0 < fit_rows < HGB_MIN_LEAVES * defaults["min_samples_leaf"]:
            return {**params, "min_samples_leaf": max(1, fit_rows // HGB_MIN_LEAVES)}
    return params


def _import(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


# --------------------------------------------------------------------------- bring your own
def is_import_path(name: str) -> bool:
    """``module:Class`` (an estimator brought by the user) rather than a catalogue name."""
    return ":" in str(name)


def resolve(path: str) -> type:
    """The class ``module:Class`` names; ConfigError (one line, with the fix) when it cannot be
    imported or is not a scikit-learn estimator class."""
    module, _, qualname = str(path).partition(":")
    parts = [*module.split("."), *qualname.split(".")]
    if not module or not qualname or not all(p.isidentifier() for p in parts):
        raise ConfigError(f"estimator {path!r} is not an import path: write module:Class, e.g. "
                          "mypkg.models:MyClassifier")
    try:
        obj: Any = importlib.import_module(module)
    except (ImportError, SyntaxError) as exc:
        raise ConfigError(
            f"estimator {path!r}: cannot import module {module!r} ({type(exc).__name__}: {exc}); install "
            "the package that provides it where ctloop runs (the component and the serving image)") from exc
    for part in qualname.split("."):
        if not hasattr(obj, part):
            raise ConfigError(f"estimator {path!r}: module {module!r} has no attribute {part!r}")
        obj = getattr(obj, part)
    if not isinstance(obj, type) or not all(callable(getattr(obj, m, None)) for m in ("fit", "predict", "get_params")):
        raise ConfigError(
            f"estimator {path!r} is not a scikit-learn estimator class: it needs fit, predict and get_params "
            "(subclass sklearn.base.BaseEstimator with ClassifierMixin or RegressorMixin)")
    return obj


def _kind(cls: type) -> str:
    """``classification``, ``regression`` or ``""`` as scikit-learn's tags of a default instance say."""
    from sklearn.base import is_classifier, is_regressor

    try:
        instance = cls()
    except TypeError as exc:
        raise ConfigError(f"estimator {cls.__module__}:{cls.__qualname__} cannot be built without arguments "
                          f"({exc}): every constructor argument of a scikit-learn estimator needs a default") from exc
    return "classification" if is_classifier(instance) else "regression" if is_regressor(instance) else ""


def name_problem(value: Any) -> str | None:
    """What is wrong with ``training.estimator`` (None: fine). Imports a ``module:Class``."""
    if value in ESTIMATORS:
        return None
    if is_import_path(value):
        try:
            resolve(value)
        except ConfigError as exc:
            return str(exc)
        return None
    close = difflib.get_close_matches(str(value), list(ESTIMATORS), n=1)
    return (f"must be one of {', '.join(repr(k) for k in ESTIMATORS)}, or a scikit-learn estimator class by "
            "import path (module:Class)" + (f"; did you mean {close[0]!r}?" if close else ""))


def task_problem(estimator: str, task: str) -> str | None:
    """Why ``estimator`` cannot do ``task`` (None: it can)."""
    spec = ESTIMATORS.get(estimator)
    if spec is not None:
        if getattr(spec, task, None) is None:
            usable = sorted(k for k, s in ESTIMATORS.items() if getattr(s, task))
            return f"{estimator!r} does not support {task}; use one of {', '.join(usable)}"
        return None
    if not is_import_path(estimator):
        return None  # reported by name_problem
    try:
        cls = resolve(estimator)
        kind = _kind(cls)
    except ConfigError as exc:
        return str(exc)
    if not kind:
        return (f"{estimator!r} says it is neither a classifier nor a regressor: inherit "
                "sklearn.base.ClassifierMixin or RegressorMixin")
    if kind != task:
        return f"{estimator!r} is a {'classifier' if kind == 'classification' else 'regressor'}, not for {task}"
    if task == "classification" and not callable(getattr(cls, "predict_proba", None)):
        return (f"{estimator!r} has no predict_proba: the gate, serving and monitoring score classifiers "
                "on class probabilities")
    return None


def trusted_type_problem(names: Any) -> str | None:
    """What is wrong with ``training.trusted_types`` (None: fine): each a dotted ``module.Type``
    that imports to a class outside :data:`FORBIDDEN_TRUST`."""
    for name in names:
        text = str(name)
        module, _, attr = text.rpartition(".")
        if not module or not all(p.isidentifier() for p in text.split(".")):
            return f"{text!r} is not a type name: write module.Type as skops reports it, e.g. mypkg.models.MyClassifier"
        if module.split(".")[0] in FORBIDDEN_TRUST:
            return f"{text!r} is a type of {module.split('.')[0]!r}, which ctloop never trusts (building it runs code)"
        try:
            obj = getattr(importlib.import_module(module), attr)
        except (ImportError, SyntaxError, AttributeError) as exc:
            return f"{text!r} cannot be imported ({type(exc).__name__}: {exc})"
        if not isinstance(obj, type):
            return f"{text!r} is not a class (skops only builds trusted classes here)"
    return None


# --------------------------------------------------------------------------- building
def _spec(task: str, estimator: str) -> EstimatorSpec | None:
    if task not in TASKS:
        raise ConfigError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    if is_import_path(estimator):
        problem = task_problem(estimator, task)
        if problem:
            raise ConfigError(f"training.estimator: {problem}")
        return None
    spec = ESTIMATORS.get(estimator)
    if spec is None:
        raise ConfigError(f"unknown estimator {estimator!r}; choose one of {', '.join(sorted(ESTIMATORS))}, "
                          "or give a scikit-learn estimator class as module:Class")
    if getattr(spec, task) is None:
        raise ConfigError(f"estimator {task_problem(estimator, task)}")
    return spec


def wrapper_params(task: str) -> tuple[str, ...]:
    """The hyperparameters a boosted estimator's wrapper takes (not the library's)."""
    return BOOSTED_PARAMS if task == "classification" else BOOSTED_REGRESSOR_PARAMS


def search_key(estimator: str, name: str, task: str = "classification") -> str:
    """The ``set_params`` name of hyperparameter ``name`` on the built model."""
    spec = ESTIMATORS.get(estimator)
    if spec is not None and spec.boosted and name not in wrapper_params(task):
        return f"estimator__{name}"
    return name


def scales_numeric(estimator: str) -> bool:
    """Whether the Pipeline standardises numeric features for ``estimator`` (BYO: yes)."""
    spec = ESTIMATORS.get(estimator)
    return True if spec is None else spec.scale_numeric


def search_space(estimator: str) -> dict[str, list[Any]]:
    """The randomized-search space (BYO estimators have none)."""
    spec = ESTIMATORS.get(estimator)
    return dict(spec.search_space) if spec is not None else {}


def _restore_ints(params: dict[str, Any], valid: dict[str, Any]) -> dict[str, Any]:
    # KFP passes dict parameters through JSON/protobuf, which turns integers into floats:
    # restore ints where the estimator's default is an int or None (max_iter, max_depth, ...).
    return {
        k: int(v) if isinstance(v, float) and v.is_integer() and (
            isinstance(valid.get(k), int) and not isinstance(valid.get(k), bool) or valid.get(k) is None
        ) else v
        for k, v in params.items()
    }


def build(task: str, estimator: str, params: dict[str, Any], seed: int):
    """``(unfitted model, the hyperparameters it was built with)``; ConfigError naming the
    parameter for anything the estimator does not take."""
    spec = _spec(task, estimator)
    if spec is None:
        cls = resolve(estimator)
        defaults: dict[str, Any] = {}
        valid = cls().get_params()
    else:
        cls = _import(getattr(spec, task))
        defaults = {**spec.defaults.get("*", {}), **spec.defaults.get(task, {})}
        wrapper = wrapper_params(task) if spec.boosted else ()
        valid = {**cls(**{k: v for k, v in defaults.items() if k not in wrapper}).get_params(),
                 **{k: defaults.get(k) for k in wrapper}}
    merged = {**defaults, **_restore_ints(params, valid)}
    unknown = sorted(set(merged) - set(valid))
    if unknown:
        raise ConfigError(
            f"hyperparameter(s) {unknown} are not valid for {cls.__name__}; valid: {', '.join(sorted(valid))}"
        )
    if "random_state" in valid and "random_state" not in merged:
        merged["random_state"] = seed
    try:
        if spec is not None and spec.boosted:
            from ctloop.estimators import boosting

            outer = {k: merged[k] for k in wrapper_params(task) if k in merged}
            inner = cls(**{k: v for k, v in merged.items() if k not in outer})
            wrapper = boosting.BoostedClassifier if task == "classification" else boosting.BoostedRegressor
            return wrapper(estimator=inner, **outer), merged
        return cls(**merged), merged
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid hyperparameters for {cls.__name__}: {exc}") from exc


FLOAT32_MAX = 3.4028234663852886e38
FLOAT32_TINY = 1.1754943508222875e-38  # the smallest normal float32
TREE_EPSILON = 2.220446049250313e-16  # np.finfo("double").eps


def target_problem(estimator: str, task: str, y: Any) -> str | None:
    """Why ``estimator`` learns nothing from the regression target ``y`` (its finite values), or
    None. The refusal's text (the caller names the column), for targets no scaling of the features
    helps:

    * ``hist_gradient_boosting`` keeps the gradients ``prediction - y`` in float32 (scikit-learn
      1.9.1, ``sklearn/ensemble/_hist_gradient_boosting/common.pyx``: ``G_H_DTYPE = np.float32``):
      a value farther than float32's 3.4e38 from the mean is an infinite gradient (NaN sums, every
      row the same prediction), one closer than its smallest normal 1.2e-38 a gradient of a few
      bits or 0;
    * ``random_forest``: a node whose impurity (the variance of its targets) is at most
      ``EPSILON = np.finfo('double').eps`` is a leaf (``sklearn/tree/_tree.pyx``, 1.9.1): a target
      varying by less than that never splits (one prediction).

    Ridge is exact in any units. XGBoost and LightGBM fit the target as given (absolute
    hyperparameters such as ``gamma``, ``reg_alpha`` or ``min_split_gain`` are in its units) and
    learn little far from units near 1; not refused here."""
    import numpy as np

    if task != "regression":
        return None
    values = np.asarray(y, dtype=float).reshape(-1)
    values = values[np.isfinite(values)]
    if not len(values):
        return None
    top = float(np.max(np.abs(values)))
    if top == 0:
        return None
    unit = values / top  # in units of the largest value: no overflow on the way
    spread = np.abs(unit - unit.mean())
    far = float(spread.max()) * top  # inf only past float64, far beyond float32 too
    if estimator == "hist_gradient_boosting" and far > FLOAT32_MAX:
        worst = float(values[np.argmax(spread)])
        return (f"a value of {worst:.3g} is {far:.3g} from the mean: hist_gradient_boosting keeps its gradients in "
                f"float32 (at most {FLOAT32_MAX:.3g}), so it learns nothing; rescale the target (other units, a "
                "log) or train linear_regression")
    if estimator == "hist_gradient_boosting" and 0 < far < FLOAT32_TINY:
        return (f"its values differ from their mean by at most {far:.3g}: hist_gradient_boosting keeps its "
                f"gradients in float32 (smallest normal {FLOAT32_TINY:.3g}), so it learns nothing; rescale the "
                "target (other units) or train linear_regression")
    std = float(np.std(unit)) * top  # the variance of a target ~1e-170 underflows to 0; its std does not
    if estimator == "random_forest" and 0 < std <= TREE_EPSILON ** 0.5:
        return (f"its standard deviation is {std:.3g}: random_forest's trees never split a node whose variance "
                f"is at most {TREE_EPSILON:.3g} (scikit-learn's EPSILON), so it predicts one value; rescale the "
                "target (other units) or train linear_regression")
    return None


def library_versions(estimator: str) -> dict[str, str]:
    """``{distribution: version}`` the fitted model needs where it is loaded: scikit-learn, and
    xgboost/lightgbm or the distribution that provides a ``module:Class`` (when pip knows it)."""
    from importlib import metadata

    out = {"scikit-learn": metadata.version("scikit-learn")}
    spec = ESTIMATORS.get(estimator)
    top = spec.library if spec is not None else estimator.partition(":")[0].split(".")[0]
    if top and (spec is None and is_import_path(estimator) or spec is not None):
        # the distribution that installed the module (xgboost comes from xgboost-cpu)
        for dist in _distributions_of(top)[:1]:
            out[dist] = metadata.version(dist)
    return out


_DISTRIBUTIONS: dict[str, list[str]] = {}  # top-level module -> the distributions that install it


def _distributions_of(top: str) -> list[str]:
    """``importlib.metadata.packages_distributions().get(top, [])``, read once per module and
    process: the mapping reads the file list of every installed distribution (~0.2 s of CPU in
    this project's environment), and it was read again for every fit of xgboost, lightgbm or a
    ``module:Class`` (a backtest's every window). The version itself is read each time."""
    found = _DISTRIBUTIONS.get(top)
    if found is None:
        from importlib import metadata

        found = _DISTRIBUTIONS[top] = list(metadata.packages_distributions().get(top, []))
    return found


__all__ = ["target_problem", "EstimatorSpec", "ESTIMATORS", "RF_MAX_TREE_ROWS", "BOOSTED_SINGLE_THREAD_ROWS", "BOOSTED_PARAMS", "FORBIDDEN_TRUST", "build",
           "row_dependent_defaults", "is_import_path", "resolve", "name_problem", "task_problem",
           "trusted_type_problem", "wrapper_params", "search_key", "scales_numeric", "search_space",
           "library_versions"]
