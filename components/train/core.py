"""Training: a scikit-learn Pipeline (impute, scale, one-hot) around a configurable estimator.

KFP-free. ``fit(frame, target=..., task=..., estimator=..., params=...)`` returns the fitted
Pipeline with the meta ctloop stores next to it.

The estimator is a name of the catalogue (:mod:`ctloop.estimators`: scikit-learn's, XGBoost,
LightGBM) or a scikit-learn estimator class by import path (``module:Class``). ``fit`` is robust to
the small, skewed training windows of continuous training: a single-class training set is a
:class:`~ctloop.errors.TrainingError` naming the class, and early stopping (hist_gradient_boosting,
xgboost, lightgbm) is switched off — with a note in the meta — when a class has too few rows for
its stratified validation split, instead of failing the fit.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ctloop.columns import WEIGHT
from ctloop.config import TrainingConfig
from ctloop.contract import (
    DIGITS_SAID,
    ID_COLUMN_MIN_ROWS,
    ID_SAID,
    ONE_HOT_MAX_CATEGORIES,
    ONE_HOT_MIN_FREQUENCY,
    blank_labels,
    check_finite,
    check_numbers_as_text,
    check_uniform_types,
    digits_only,
    forms_note,
    id_like,
    nested_values,
    numbers_as_numbers,
    repeated_names,
    shown_value,
    text_key,
    written,
)
from ctloop.errors import ConfigError, DataValidationError, TrainingError, plain
from ctloop.estimators import (
    ESTIMATORS,
    build,
    is_import_path,
    library_versions,
    row_dependent_defaults,
    scales_numeric,
    search_key,
    search_space,
    target_problem,
)
from ctloop.storage import _decimals_as_floats, memory_bytes, plain_missing

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

# HistGradientBoosting's own validation split (scikit-learn: stratified for a classifier; "auto"
# means on above 10,000 rows).
HGB_AUTO_EARLY_STOPPING_ROWS = 10_000
CV_SPLITS = 3
# ID_COLUMN_MIN_ROWS (ctloop.contract.id_like): a text column with a different value in every row from
# this many rows on is an ID, not a feature


@dataclass
class TrainResult:
    model: Any
    meta: dict[str, Any]
    metrics: dict[str, float] = field(default_factory=dict)
    best_params: dict[str, Any] = field(default_factory=dict)


# Estimators whose hyperparameters count summed sample weight as rows: scikit-learn 1.9's random forest
# draws max_samples * sum(sample_weight) rows per tree (sklearn/ensemble/_bootstrap.py), xgboost's
# min_child_weight is a sum of weights. Recency weights (the newest row 1) sum to about half their
# effective rows, so these fitted one-leaf trees far above prepare_data's minimum of two effective
# rows; they get the same relative weights scaled to a mean of 1.
WEIGHT_AS_ROWS = ("random_forest", "xgboost")


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
            if holds_times(col):
                continue  # timestamps, dates and times of day are not features (use derived columns)
            categorical.append(name)
        else:
            numeric.append(name)
    return numeric, categorical


def holds_times(col: pd.Series) -> bool:
    """Whether ``col`` holds timestamps, dates or times of day: datetime64, a pandas period (a Parquet
    file pandas wrote from one reads back as one), an Arrow timestamp, date or time column
    (``dtype_backend="pyarrow"``), or objects all ``datetime.date``/``datetime.time``/``datetime.datetime``
    or periods (a Parquet ``date32``/``date64``/``time64`` column as pandas reads it, a column of
    timestamps in several zones). Such a column is no feature: one-hot encoded, every later
    date was a category never seen, and a ``datetime.date`` category made saving the model fail
    ("holds types skops does not trust ... datetime.date") after the fit and the gate."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(col) or isinstance(col.dtype, pd.PeriodDtype):
        return True
    if isinstance(col.dtype, pd.ArrowDtype):
        import pyarrow as pa

        kind = col.dtype.pyarrow_dtype
        return bool(pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_time(kind))
    if col.dtype != object:
        return False
    return pd.api.types.infer_dtype(col, skipna=True) in ("date", "time", "datetime", "period") \
        and bool(col.notna().any())


def _bools_as_categories(x: pd.DataFrame, categorical: list[str]) -> pd.DataFrame:
    """True/False feature columns as object columns of ``True``/``False`` (missing: NaN), as a
    table read from text holds them: the categorical SimpleImputer refuses dtype bool
    (scikit-learn ``sklearn/impute/_base.py`` ``SimpleImputer._validate_input``: "does not support
    data with dtype bool"). Fitted on object data, the imputer casts a bool column to object when
    it predicts, so scoring needs no such step."""
    import numpy as np
    import pandas as pd

    bools = [name for name in categorical if pd.api.types.is_bool_dtype(x[name])]
    if not bools:
        return x
    return x.assign(**{name: x[name].astype(object).where(x[name].notna(), np.nan) for name in bools})


def id_columns(frame: pd.DataFrame, categorical: list[str]) -> list[str]:
    """The text columns with a different value in every row (:func:`ctloop.contract.id_like`: none below
    ``ID_COLUMN_MIN_ROWS`` rows, none whose values all read as numbers unless all are whole numbers in digits)."""
    if len(frame) < ID_COLUMN_MIN_ROWS:
        return []
    named = []
    for name in categorical:
        values = frame[name].dropna().unique()
        if id_like(len(values), len(frame), values):  # every row, missing ones too; measurements are no IDs
            named.append(name)
    return named


# past ~1.3e154 a value's square overflows float64, and the scaler's variance sums the squares of every
# row (up to 1e28 rows of 1e140 stay finite): inf/NaN
SCALE_LIMIT = 1e140
FLOAT32_MAX = 3.4028234663852886e38  # scikit-learn's trees and XGBoost read features as float32
FLOAT64_ESTIMATORS = ("hist_gradient_boosting", "lightgbm")  # bin float64 features: any finite value


def _value_limit(estimator: str) -> tuple[float, str] | None:
    """The largest feature size ``estimator``'s Pipeline takes, and why; None: any finite value."""
    if scales_numeric(estimator):
        return SCALE_LIMIT, (f"{estimator} standardises numeric features and their squares overflow float64 "
                             f"(values past {SCALE_LIMIT:.0e})")
    if estimator in FLOAT64_ESTIMATORS:
        return None
    return FLOAT32_MAX, f"{estimator} reads features as float32 (at most {FLOAT32_MAX:.2e})"


def _arrow_decimals_as_floats(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its Arrow decimal columns (``pd.read_parquet(dtype_backend="pyarrow")`` of a
    warehouse's NUMERIC export) as float64, as the same file reads NumPy-backed
    (``storage._decimals_as_floats``): with gaps, ``pd.to_numeric`` on ``decimal128[pyarrow]`` gave only
    the non-null values (pandas 2.3.3) and the fit failed with "Length of values (171) does not match
    length of index (200)". The caller's frame is left as it was."""
    import pandas as pd

    arrow = [name for name in frame.columns
             if isinstance(frame[name], pd.Series) and isinstance(frame[name].dtype, pd.ArrowDtype)]
    if not arrow:
        return frame
    import pyarrow as pa  # installed: an ArrowDtype column needs it

    decimals = [name for name in arrow if pa.types.is_decimal(frame[name].dtype.pyarrow_dtype)]
    if not decimals:
        return frame
    out = frame.copy(deep=False)  # not assign(**...): a column's name may be no string
    for name in decimals:
        out[name] = frame[name].to_numpy(dtype=float, na_value=float("nan"))
    return out


def _check_value_sizes(x: pd.DataFrame, numeric: list[str], estimator: str) -> None:
    """Refuse numeric features too large for ``estimator`` (:func:`_value_limit`): the fit failed
    with "Input X contains NaN" or "... too large for dtype('float32')", naming no column."""
    import numpy as np
    import pandas as pd

    limit = _value_limit(estimator)
    if limit is None:
        return
    bound, why = limit
    bad = []
    for name in numeric:
        values = pd.to_numeric(x[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        size = np.abs(values[np.isfinite(values)])
        if size.size and size.max() > bound:
            bad.append((name, "size", int((size > bound).sum()),
                        f"values up to {size.max():.3g}: {why}; rescale the column (other units)"
                        + ("" if estimator in FLOAT64_ESTIMATORS else " or train hist_gradient_boosting")))
    if bad:
        raise DataValidationError(bad)


def check_one_hot_size(frame: pd.DataFrame, categorical: list[str]) -> None:
    """Refuse text features whose one-hot encoding cannot be held in memory: the training Pipeline's
    encoder writes a dense float64 matrix of a column per category seen ``ONE_HOT_MIN_FREQUENCY``+
    times (plus one for the rarer ones) for every row (a customer id in a table of transactions,
    five per customer: rows x customers). numpy failed with "MemoryError: Unable to allocate ...
    GiB", or the kernel killed the step, naming no column. The column with the most such categories
    is named."""
    if not categorical:
        return
    seen = {name: int((frame[name].value_counts() >= ONE_HOT_MIN_FREQUENCY).sum()) for name in categorical}
    kept = {name: min(ONE_HOT_MAX_CATEGORIES - 1, count) for name, count in seen.items()}  # the rest pooled
    width = sum(kept.values()) + len(categorical)  # the one-hot columns alone (numeric ones are not the cause)
    need = len(frame) * width * 8
    have = memory_bytes()
    if need <= have:
        return
    name = max(seen, key=seen.__getitem__)
    raise DataValidationError([(name, "categories", len(frame), f"{seen[name]:,} categories seen "
                                f"{ONE_HOT_MIN_FREQUENCY}+ times: one-hot encoded (with the other text features) "
                                f"they make a {len(frame):,} x {width:,} matrix of {need / 2**30:,.1f} GiB, more "
                                f"than the {have / 2**30:,.1f} GiB of memory here; a text feature takes at most "
                                f"{ONE_HOT_MAX_CATEGORIES} columns, so grouping its values narrows the matrix only "
                                f"when it leaves fewer than {ONE_HOT_MAX_CATEGORIES - 1} groups: drop the column (an ID?) or "
                                "train on fewer rows (a shorter data.window)")])


def build_pipeline(*, task: str, estimator: str, params: dict[str, Any] | None, numeric: list[str],
                   categorical: list[str], seed: int = 0):
    """The unfitted Pipeline: ColumnTransformer(numeric impute+scale, categorical impute+one-hot) → model."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    model, merged = build(task, estimator, dict(params or {}), seed)
    # keep_empty_features: a column with no value in the training rows stays in the model (the served
    # input schema does not change with the data of one window); fit names such columns
    num_steps = [("impute", SimpleImputer(strategy="median", keep_empty_features=True))]
    if scales_numeric(estimator):
        num_steps.append(("scale", StandardScaler()))
    cat_steps = [
        ("impute", SimpleImputer(strategy="most_frequent", keep_empty_features=True)),
        # at most ONE_HOT_MAX_CATEGORIES columns a feature: its most frequent values, the rest pooled;
        # a value never seen in training is scored as one of those pooled (rare) values, not with none
        # of the feature's columns (all zeros: "ignore"), when the feature has any
        ("onehot", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=ONE_HOT_MIN_FREQUENCY,
                                 max_categories=ONE_HOT_MAX_CATEGORIES, sparse_output=False)),
    ]
    pre = ColumnTransformer(
        [("numeric", Pipeline(num_steps), numeric), ("categorical", Pipeline(cat_steps), categorical)],
        remainder="drop",
        verbose_feature_names_out=False,
    )
    return Pipeline([("preprocess", pre), ("model", model)]), merged


# HistGradientBoosting's settings that name input columns by position: with any of them, no column is left out
HGB_POSITIONAL = ("monotonic_cst", "interaction_cst", "categorical_features")


def drop_unsplittable(pipeline: Any, x: pd.DataFrame, params: dict[str, Any]) -> tuple[Any, int]:
    """``(pipeline, columns left out)``: the hist_gradient_boosting ``pipeline`` with the one-hot columns
    no tree can split on (a category in fewer than ``min_samples_leaf`` rows of ``x``, or in all but
    fewer) left out of the categorical block, after the encoder. scikit-learn counts unweighted rows on
    both sides of a split (``sklearn/ensemble/_hist_gradient_boosting/splitting.pyx``, 1.9.1:
    ``n_samples_left < self.min_samples_leaf``), so such a column never takes part in a tree: the fitted
    model predicts exactly what it did with them. An ID column of 100,000 values in 300,000 rows
    (its 255 most frequent values, about 10 rows each, are one-hot columns) made a fit take 534 s and
    2 GB instead of 63 s and 370 MB without it. Left as it is with feature subsampling
    (``max_features`` < 1: which columns are drawn depends on their count), with a setting naming columns
    by position (:data:`HGB_POSITIONAL`), or when no one-hot column, or every one, would be left out."""
    import numpy as np
    from sklearn.base import clone
    from sklearn.compose import ColumnTransformer

    leaf = params.get("min_samples_leaf")
    if not isinstance(leaf, int) or isinstance(leaf, bool) or leaf <= 1 or params.get("max_features", 1.0) != 1.0 \
            or any(params.get(name) not in (None, "from_dtype") for name in HGB_POSITIONAL):
        return pipeline, 0
    pre = pipeline.named_steps["preprocess"]
    name, block, columns = pre.transformers[1]
    if name != "categorical" or not columns:
        return pipeline, 0
    encoded = clone(block).fit_transform(x[columns])
    ones = np.asarray(encoded.sum(axis=0), dtype=float).ravel()
    kept = np.flatnonzero((ones >= leaf) & (len(x) - ones >= leaf))
    if len(kept) in (0, len(ones)):
        return pipeline, 0
    # after the encoder, found by its categories_ (ctloop.storage.fitted_encoder); the kept columns keep
    # the encoder's names (verbose_feature_names_out=True prefixed them "kept__")
    block.steps.append(("splittable", ColumnTransformer([("kept", "passthrough", kept.tolist())], remainder="drop",
                                                        verbose_feature_names_out=False)))
    return pipeline, len(ones) - len(kept)


def random_search(pipeline: Any, space: dict[str, Any], x: pd.DataFrame, y: pd.Series, *, folds: list[Any],
                  scoring: Any, iterations: int, seed: int, weights: Any = None,
                  weight_as_rows: bool = False,
                  unsplittable: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any], float]:
    """``(refitted pipeline, best parameters, best mean fold score)`` of a randomized search over the
    time-ordered ``folds``: the candidates of scikit-learn's ``RandomizedSearchCV`` (``ParameterSampler``,
    the same seed), scored as it scores them, the first best kept, refitted on every row with ``weights``.

    Each fold's training rows are weighted as if trained at that fold's end: their recency weights
    divided by the newest one's (scaled to a mean of 1 when the estimator counts weight as rows).
    ``RandomizedSearchCV`` hands every fold the weights of the whole window, relative to its newest
    row: with a short ``data.recency_half_life`` an early fold's rows weigh ~1e-20, HistGradientBoosting
    found no split and every candidate scored 0.5, so the search chose on meaningless scores.

    ``unsplittable``: a hist_gradient_boosting pipeline's settings (``build``'s merged parameters):
    each candidate, on each fold's training rows and in the refit, leaves out the one-hot columns no
    tree of it can split on (:func:`drop_unsplittable`, by the candidate's ``min_samples_leaf``), as
    a fit without search does; until round 47 a search fitted them all."""
    import numpy as np
    from sklearn.base import clone
    from sklearn.metrics import check_scoring
    from sklearn.model_selection import ParameterSampler

    def candidate(params: dict[str, Any], rows: pd.DataFrame) -> Any:
        model = clone(pipeline).set_params(**params)
        if unsplittable is None:
            return model
        return drop_unsplittable(model, rows, {**unsplittable, **{k.removeprefix("model__"): v
                                                                   for k, v in params.items()}})[0]

    scorer = check_scoring(pipeline, scoring=scoring)
    candidates = list(ParameterSampler(space, iterations, random_state=seed))
    means = []
    first_error: Exception | None = None
    for params in candidates:
        scores = []
        for train, test in folds:
            kw = {}
            if weights is not None:
                w = np.asarray(weights, dtype=float)[train]
                kw["model__sample_weight"] = w * (len(w) / w.sum()) if weight_as_rows else w / w.max()
            model = candidate(params, x.iloc[train])
            # as RandomizedSearchCV's error_score=nan (scikit-learn's _fit_and_score catches any Exception
            # from fit and from the scorer): a candidate that cannot fit or score a fold is not chosen
            # (LightGBMError is a RuntimeError, not a ValueError)
            try:
                model.fit(x.iloc[train], y.iloc[train], **kw)
                scores.append(float(scorer(model, x.iloc[test], y.iloc[test])))
            except Exception as exc:  # noqa: BLE001 - scored NaN and named, as scikit-learn's search does
                first_error = first_error or exc
                warnings.warn(f"search candidate {params} failed on a fold: {type(exc).__name__}: {exc}",
                              UserWarning, stacklevel=2)
                scores.append(float("nan"))
        means.append(float(np.mean(scores)))
    if all(np.isnan(means)):
        raise TrainingError(f"all {len(candidates)} search candidates failed to fit or score; the first: "
                            f"{type(first_error).__name__}: {first_error}")
    best = int(np.nanargmax(means))
    final = candidate(candidates[best], x)
    final.fit(x, y, **({} if weights is None else {"model__sample_weight": weights}))
    return final, candidates[best], means[best]


def stratify_problem(y: pd.Series, fraction: float) -> str | None:
    """Why a stratified ``fraction`` validation split of ``y`` is impossible (None: it is fine),
    by scikit-learn's rules: every class needs 2 rows, each side at least one row per class. A
    category of a ``category`` target that no row holds is no class (``value_counts`` lists it)."""
    counts = y.value_counts()
    counts = counts[counts > 0]
    n, k = len(y), len(counts)
    n_val = math.ceil(fraction * n)
    if counts.min() < 2:
        label = counts.index[-1]
        return (f"class {plain(label)!r} has {int(counts.iloc[-1])} row(s) of {n}, too few for a stratified "
                f"{fraction:.0%} validation split")
    if n_val < k or n - n_val < k:
        return f"{n} rows are too few for a stratified {fraction:.0%} validation split of {k} classes"
    return None


def _hgb_early_stopping(y: pd.Series, x: pd.DataFrame, merged: dict[str, Any], search: bool) -> str | None:
    """Why HistGradientBoostingClassifier's early stopping would fail on this data (on the
    whole training set or, with a search, on any cross-validation training fold)."""
    from sklearn.model_selection import TimeSeriesSplit

    setting = merged.get("early_stopping", "auto")
    if not (setting is True or (setting == "auto" and len(y) > HGB_AUTO_EARLY_STOPPING_ROWS)):
        return None
    held = merged.get("validation_fraction") or 0.1
    sets = [y] + ([y.iloc[train] for train, _ in TimeSeriesSplit(n_splits=CV_SPLITS).split(x)] if search else [])
    for part in sets:
        # an int >= 1 is the rows held out (scikit-learn 1.9.1 gradient_boosting.py: train_test_split's test_size)
        fraction = float(held) if isinstance(held, float) or float(held) < 1 else float(held) / max(len(part), 1)
        problem = stratify_problem(part, fraction)
        if problem:
            where = "" if len(part) == len(y) else f" in a cross-validation fold of {len(part)} rows"
            return f"early stopping off: {problem}{where}"
    return None


def check_serialisable(model: Any, estimator: str, trusted_types: tuple[str, ...] | list[str]) -> list[str]:
    """The types beyond ctloop's skops allow-list that ``model`` needs (all of them declared in
    ``trusted_types``); TrainingError with the fix when a type is undeclared or the model cannot
    be written at all (skops, or the pickle for KServe's stock runtime)."""
    import io
    import pickle

    from ctloop.artifacts import dumps_skops, extra_skops_types

    try:
        data = dumps_skops(model, trusted=trusted_types)
        buf = io.BytesIO()
        pickle.dump(model, buf)
    except (TypeError, AttributeError, ValueError, pickle.PicklingError) as exc:
        raise TrainingError(f"the fitted {estimator} cannot be serialised ({type(exc).__name__}: {exc}); an "
                            "estimator must hold only data (arrays, numbers, strings, estimators), no open "
                            "files, locks or lambdas") from exc
    return extra_skops_types(data)


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
    trusted_types: tuple[str, ...] | list[str] = (),
    max_number_classes: int = TrainingConfig.max_number_classes,
) -> TrainResult:
    """Fit the Pipeline on ``frame``; see the module doc. Uses ``_ctloop_weight`` as sample weight.
    ``trusted_types``: the types a ``module:Class`` estimator's fitted model holds beyond ctloop's
    skops allow-list (``training.trusted_types``); ``max_number_classes``: see
    :func:`check_number_classes`. Defaults: :class:`ctloop.config.TrainingConfig`."""
    import numpy as np
    import pandas as pd
    import sklearn

    if target not in frame.columns:
        raise DataValidationError([(target, "required", len(frame), "target column is missing from the training data")])
    # pandas' frame[name] would be a frame ("'DataFrame' object has no attribute 'dtype'"): a header's problem, one
    # line naming the column and its positions (was "breaks rule 'unique_columns' in 600 row(s)", review 50 B)
    repeated_names(list(frame.columns), of="the training data")
    check_target_nested(frame[target], target)  # not "unhashable type: 'list'" from pandas or scikit-learn
    # an Arrow list/struct/map feature by its type, as prepare_data and the backtest refuse it: not a raw
    # ArrowNotImplementedError, and an all-null one is no empty feature
    refuse_arrow_nested(frame.drop(columns=[target, *(c for c in exclude if c in frame.columns and c != target)]))
    data = blank_as_missing(frame, target).dropna(subset=[target])  # a blank label is a missing one
    if data.empty:
        raise DataValidationError([(target, "all_null", len(frame), "no rows with a target value")])
    # pd.NA in a text or boolean column (storage.plain_missing); Decimal amounts as floats, as read_table reads them
    data = plain_missing(_arrow_decimals_as_floats(_decimals_as_floats(data)))
    # amounts as objects (a notebook's replace({np.nan: None})): numbers, as CSV or Parquet reads them, not one
    # category per amount (and an inf among them refused by check_finite below)
    data = numbers_as_numbers(data)
    # a CSV column of True/False with empty cells is dtype object until its gaps are dropped, and
    # scikit-learn calls an object array of bools "unknown": give the labels their own dtype
    y = data[target].infer_objects()
    if task == "classification":
        check_labels(y, target)
        classes = sorted(pd.unique(y).tolist())
        check_number_classes(y, target, len(classes), max_number_classes)
        if len(classes) < 2:
            raise TrainingError(
                f"target {target!r} has a single class ({plain(classes[0])!r}, 1 class in {len(y)} rows): a "
                "classifier needs at least two; widen data.window or check the labels")
    elif task == "regression":
        check_regression_target(y, target, estimator)
        classes = []
    numeric, categorical = split_features(data, target=target, exclude=tuple(exclude))
    if not numeric and not categorical:
        raise DataValidationError([("*", "features", 0, "no feature columns left after removing target/time/weight")])
    check_feature_types(data, numeric + categorical)
    check_finite(data[numeric])  # one line naming the column, not scikit-learn's "Input X contains infinity"
    check_uniform_types(data, categorical)
    check_one_hot_size(data, categorical)  # before the notes below: they read every text value
    spelled: dict[str, str] = {}  # text columns of written numbers ('70,41', '250 ml'), alone or mixed: noted below
    codes = check_numbers_as_text(data, categorical, written=spelled)  # '?' among amounts: as ctloop backtest
    copies = check_target_copies(data, target, numeric + categorical, task)
    notes: list[str] = []
    if copies:
        # the same text for any row count (shown once per caller, not at every retrain of a backtest)
        note = (f"column(s) {', '.join(repr(n) for n in copies)} equal the target {target!r} in every row, and a "
                f"class has fewer than {COPY_MIN_CLASS_ROWS} rows: a strong feature by chance, or the label itself "
                "(a leak)? drop it from the features if so")
        warnings.warn(note, UserWarning, stacklevel=2)
        notes.append(f"{note} ({len(data)} rows)")
    for name, word in codes.items():
        # the same text for any row count, as the ID note below
        note = (f"column {name!r} holds numbers and the word {word!r}: read as text, each number a category (a "
                "code column?); if its numbers are amounts, blank the words (an empty cell is a gap) to learn them "
                "as numbers")
        warnings.warn(note, UserWarning, stacklevel=2)
        notes.append(f"{note} ({len(data)} rows)")
    for note in spelled.values():  # contract.written_numbers_note: a note, never a refusal (as ctloop backtest)
        warnings.warn(note, UserWarning, stacklevel=2)
        notes.append(f"{note} ({len(data)} rows)")
    for name in (n for n in id_columns(data, categorical) if n not in spelled):  # numbers: their note said it
        # the same text for any row count: Python shows it once per caller, not at every retrain of a backtest
        note = (f"column {name!r} has {ID_SAID}: the one-hot encoder keeps only "
                f"values seen {ONE_HOT_MIN_FREQUENCY}+ times, so the model learns nothing from it; drop it from the "
                "training table" + DIGITS_SAID * digits_only(data[name]))
        warnings.warn(note, UserWarning, stacklevel=2)
        notes.append(f"{note} ({len(data)} rows)")
    for name in categorical:
        frequent = int((data[name].value_counts() >= ONE_HOT_MIN_FREQUENCY).sum())
        if frequent >= ONE_HOT_MAX_CATEGORIES:
            # the warning's text is the same for any count (shown once per caller, as the ID note); the note counts
            note = (f"column {name!r} has more than {ONE_HOT_MAX_CATEGORIES - 1} values seen {ONE_HOT_MIN_FREQUENCY}+ "
                    f"times: the one-hot encoder keeps its {ONE_HOT_MAX_CATEGORIES - 1} most frequent as columns, the "
                    "others share one column; group its values (a region for a postcode) to learn from more of them")
            warnings.warn(note, UserWarning, stacklevel=2)
            notes.append(f"{note} ({frequent:,} such values, {len(data)} rows)")
    for name in index_columns(data, numeric):
        # as the ID note: the same text for any row count (shown once per caller, not at every retrain)
        note = (f"column {name!r} is a row number (a table's index written into the CSV, as pandas' to_csv does "
                "without index=False): the model learns from the rows' order; drop it from the training table")
        warnings.warn(note, UserWarning, stacklevel=2)
        notes.append(f"{note} ({len(data)} rows)")
    dated = [name for name in data.columns if name not in {target, WEIGHT, *exclude}
             and holds_times(data[name])]
    if dated:
        # as the ID note: the same text for any row count (shown once per caller, not at every retrain)
        note = (f"column(s) {', '.join(repr(n) for n in dated)} hold timestamps, dates or times of day: not "
                "features of the model (a time is not learned); derive numbers from them (an age in days, a "
                "weekday, an hour) to learn from them")
        warnings.warn(note, UserWarning, stacklevel=2)
        notes.append(f"{note} ({len(data)} rows)")
    empty = [name for name in numeric + categorical if data[name].isna().all()]
    if empty:
        # as the ID note: the same text for any row count (shown once per caller, not at every retrain)
        note = (f"column(s) {', '.join(repr(n) for n in empty)} have no value in any training row: the model "
                "cannot learn from them yet")
        warnings.warn(note, UserWarning, stacklevel=2)
        notes.append(f"{note} ({len(data)} rows)")
    params = row_dependent_defaults(estimator, dict(params or {}), len(data))
    searching = bool(search_iterations and search_iterations > 0)
    space = search_space(estimator)
    if searching and not space:
        raise ConfigError(f"training.search_iterations: {estimator!r} has no search space in ctloop's catalogue; "
                          "set search_iterations to 0 and give its hyperparameters")
    x = _bools_as_categories(data[numeric + categorical], categorical)
    _check_value_sizes(x, numeric, estimator)
    _, merged = build(task, estimator, params, seed)
    if estimator == "hist_gradient_boosting" and task == "classification":
        note = _hgb_early_stopping(y, x, merged, searching)
        if note:
            params = {**params, "early_stopping": False}
            notes.append(note + f"; trained all {merged.get('max_iter')} iterations on every row")
    # a feature with no value in any training row stays in the model's input (the served schema does not
    # change with one window's data) but feeds no step: whatever its first values (text in a column read as
    # float64 NaN failed the gate: "its numeric feature 'note' holds text"), they change no prediction
    learnt = [name for name in numeric + categorical if name not in empty] or numeric + categorical
    pipeline, merged = build_pipeline(task=task, estimator=estimator, params=params,
                                      numeric=[n for n in numeric if n in learnt],
                                      categorical=[n for n in categorical if n in learnt], seed=seed)
    if estimator == "hist_gradient_boosting" and not searching:
        pipeline, _ = drop_unsplittable(pipeline, x, merged)  # the same model, without columns it cannot use
    fit_kw = {}
    if WEIGHT in data.columns:
        from sklearn.utils.validation import has_fit_parameter

        if not has_fit_parameter(pipeline.named_steps["model"], "sample_weight"):
            raise TrainingError(f"{estimator}.fit takes no sample_weight, but the training data has recency "
                                f"weights ({WEIGHT}, from data.recency_half_life): unset data.recency_half_life "
                                "or accept sample_weight in fit")
        weights = pd.to_numeric(data[WEIGHT], errors="coerce")
        bad = weights.isna() | ~(weights >= 0) | ~np.isfinite(weights.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():  # a column of the user's data under the reserved name, not prepare_data's weights
            raise DataValidationError([(WEIGHT, "weight", int(bad.sum()), f"values like "
                                        f"{plain(data.loc[bad, WEIGHT].iloc[0])!r} are not sample weights (finite "
                                        f"numbers >= 0): the name {WEIGHT!r} is reserved for recency weights; "
                                        "rename it")])
        if not (weights > 0).any():  # scikit-learn: "Sample weights must contain at least one non-zero number"
            raise DataValidationError([(WEIGHT, "weight", len(weights), "every row has weight 0: the model would "
                                        "learn from no row (recency weights of a half-life far shorter than the "
                                        "rows' ages, data.recency_half_life, or a column of the data under this "
                                        "reserved name)")])
        weights = weights.to_numpy(dtype=float)
        if estimator in WEIGHT_AS_ROWS:  # the same relative weights, summing to the rows
            weights = weights * (len(weights) / weights.sum())
        fit_kw["model__sample_weight"] = weights
    best_params: dict[str, Any] = {}
    metrics: dict[str, float] = {}
    folds: list[Any] = []
    if searching:
        folds, note = search_folds(y, x, task, len(classes))
        if note:
            notes.append(note)
        searching = bool(folds)
    try:
        if searching:
            keys = {f"model__{search_key(estimator, k, task)}": k for k in space}
            scoring = ("roc_auc" if task == "classification" and len(classes) == 2 else
                       (fold_log_loss(classes) if task == "classification" else "neg_root_mean_squared_error"))
            pipeline, chosen, metrics["cv_score"] = random_search(
                pipeline, {key: space[name] for key, name in keys.items()}, x, y, folds=folds, scoring=scoring,
                iterations=int(search_iterations), seed=seed, weights=fit_kw.get("model__sample_weight"),
                weight_as_rows=estimator in WEIGHT_AS_ROWS,
                unsplittable=merged if estimator == "hist_gradient_boosting" else None)
            best_params = {keys[k]: v for k, v in chosen.items()}
        else:
            pipeline.fit(x, y, **fit_kw)
    except ValueError as exc:
        raise TrainingError(f"fitting {estimator} failed: {exc}") from exc
    final = pipeline.named_steps["model"]
    early = _early_stopping(final)
    if early and not early["used"] and early.get("note") and early["note"] not in notes:
        notes.append(early["note"])
    extra_types = check_serialisable(pipeline, estimator, trusted_types) if is_import_path(estimator) else []
    if task == "classification":
        pred = pipeline.predict(x)
        metrics["train_accuracy"] = float(np.mean(pred == y.to_numpy()))
        scores = pipeline.predict_proba(x) if hasattr(pipeline, "predict_proba") else None
    else:
        scores = pipeline.predict(x)
        err = scores - y.to_numpy(dtype=float)
        metrics["train_rmse"] = float(np.sqrt(np.mean(err**2)))
    # a target of one value: the model is that value, whatever the features (not "learned nothing from the features")
    note = constant_target(y, target) if task == "regression" else ""
    if not note:
        note = learned_nothing(scores, x, categorical, estimator, {**merged, **best_params})
    if note and WEIGHT in data.columns and not constant_target(y, target):  # two rows' worth, which a forest cannot split
        w = np.asarray(fit_kw["model__sample_weight"], dtype=float)
        note += (f"; the recency weights (data.recency_half_life) leave {w.sum() ** 2 / np.square(w).sum():.3g} "
                 f"effective row(s) of {len(w)}: a longer half-life gives it more")
    if note:
        warnings.warn(note, UserWarning, stacklevel=2)
        notes.append(f"{note} ({len(data)} rows)")
    meta = {
        "task": task,
        "target": target,
        "features": numeric + categorical,
        "numeric": numeric,
        "categorical": categorical,
        # features the model takes but no step reads (no value in any training row): serving and batch
        # scoring accept any scalar there, not only numbers, as the model ignores it
        "unused": [name for name in numeric + categorical if name not in learnt],
        "classes": [plain(c) for c in classes],
        "estimator": estimator,
        "params": {**merged, **best_params},
        "sklearn_version": sklearn.__version__,
        "versions": library_versions(estimator),
        "train_rows": len(data),
        "weighted": WEIGHT in data.columns,
        "early_stopping": early,
        "notes": notes,
        "trusted_types": extra_types,
    }
    return TrainResult(model=pipeline, meta=meta, metrics=metrics, best_params=best_params)


def search_folds(y: pd.Series, x: pd.DataFrame, task: str, n_classes: int) -> tuple[list[Any], str]:
    """The search's time-ordered folds (``TimeSeriesSplit``) a classifier can be fitted and scored
    on: two classes in the training rows (else every candidate's fit fails and its mean score is
    NaN), and both classes of a binary target in the test rows (its ROC AUC is undefined on one).
    Returns ``(folds, note)``; the note says how many folds are left out (with none left, the model
    is trained on its hyperparameters, without a search)."""
    from sklearn.model_selection import TimeSeriesSplit

    folds = list(TimeSeriesSplit(n_splits=CV_SPLITS).split(x))
    if task != "classification":
        return folds, ""
    kept = [(train, test) for train, test in folds
            if y.iloc[train].nunique() >= 2 and (n_classes > 2 or y.iloc[test].nunique() >= 2)]
    if len(kept) == len(folds):
        return folds, ""
    why = "a single class in their training rows" + ("" if n_classes > 2 else " or test rows")
    if not kept:
        return [], (f"search skipped: none of the {CV_SPLITS} time-ordered folds has two classes ({why}); trained on "
                    "the hyperparameters given")
    return kept, f"search on {len(kept)} of {CV_SPLITS} time-ordered folds (the others have {why})"


def fold_log_loss(classes: list) -> Any:
    """The search's multiclass scorer: minus the log loss over all ``classes`` of the training
    data. A time-ordered fold's model may not know a class that appears only in newer rows
    (scikit-learn's ``neg_log_loss`` then fails on the fold, "y_true and y_pred contain different
    number of classes", and every candidate scores NaN); its probability columns are aligned to
    ``classes``, a class it does not know at probability 0 (clipped as log_loss clips), the same
    for every candidate of that fold."""
    import numpy as np
    from sklearn.metrics import log_loss

    position = {c: i for i, c in enumerate(classes)}

    def score(estimator: Any, x: Any, y: Any) -> float:
        proba = np.asarray(estimator.predict_proba(x), dtype=float)
        aligned = np.zeros((len(proba), len(classes)))
        for j, c in enumerate(estimator.classes_):
            aligned[:, position[c]] = proba[:, j]
        aligned = np.clip(aligned, np.finfo(float).eps, 1.0)
        return -float(log_loss(y, aligned / aligned.sum(axis=1, keepdims=True), labels=classes))

    return score


def constant_target(y: pd.Series, target: str) -> str:
    """A note when the regression target ``y`` (no gaps) has one value in every row: the fitted model
    predicts that value for any input (a trivial model, which an absolute error threshold of the gate
    passes on a holdout of the same value); ``""`` otherwise. The same text for any row count."""
    values = y.unique()
    if len(values) != 1:
        return ""
    return (f"the target {target!r} has one value ({plain(values[0])!r}) in every training row: the model predicts "
            "it for any input (a trivial model, nothing learned from the features); widen data.window or check the "
            "target column")


def learned_nothing(scores: Any, x: pd.DataFrame, categorical: list[str], estimator: str,
                    params: dict[str, Any]) -> str:
    """A note when the fitted model gives every training row the same prediction (``scores``: its
    probabilities or values on them): it learned nothing from the features, and a gate at chance
    (ROC AUC 0.5) still passes it. Names the text columns none of whose categories has
    ``min_samples_leaf`` rows (a tree cannot split one off: 200 countries of 15 rows each under
    hist_gradient_boosting's 40). ``""`` when the predictions differ."""
    import numpy as np

    if scores is None or len(x) < 2:
        return ""
    values = np.asarray(scores, dtype=float).reshape(len(x), -1)
    if not np.all(np.isfinite(values)) or float(np.ptp(values, axis=0).max()) > 1e-12 * max(
            1.0, float(np.abs(values).max())):
        return ""
    note = (f"the fitted {estimator} gives every training row the same prediction: it learned nothing from the "
            "features")
    leaf = params.get("min_samples_leaf")
    if isinstance(leaf, int) and not isinstance(leaf, bool) and leaf > 1:
        rare = [name for name in categorical if 0 < int(x[name].value_counts().max() if x[name].notna().any()
                                                       else 0) < leaf]
        if rare:
            note += (f"; no category of {', '.join(repr(n) for n in rare)} has min_samples_leaf {leaf} rows, so no "
                     "tree can split one off: a smaller min_samples_leaf (training.hyperparameters), a longer "
                     "training window, or logistic_regression")
    return note


def _early_stopping(model: Any) -> dict[str, Any] | None:
    """What early stopping did in the final fit (None: the estimator has none)."""
    if hasattr(model, "early_stopping_"):  # ctloop.estimators.boosting
        return dict(model.early_stopping_)
    if hasattr(model, "do_early_stopping_"):  # HistGradientBoosting*
        used = bool(model.do_early_stopping_)
        return {"used": used, "rounds": int(model.n_iter_),
                "note": f"early stopping: {model.n_iter_} of {model.max_iter} iterations" if used else ""}
    return None


def check_feature_types(frame: pd.DataFrame, features: list[str]) -> None:
    """Refuse feature columns no estimator takes, naming them: durations (a Parquet INTERVAL,
    timedelta64) and complex numbers. scikit-learn says "SimpleImputer does not support data with
    dtype timedelta64[ns]" or "Complex data not supported" without the column."""
    import pandas as pd

    violations = []
    for name in features:
        dtype = frame[name].dtype
        if pd.api.types.is_timedelta64_dtype(dtype) or (  # an Arrow duration column (dtype_backend="pyarrow")
                isinstance(dtype, pd.ArrowDtype) and dtype.kind == "m"):
            violations.append((name, "dtype", len(frame), f"a duration ({dtype}): write it as a number (e.g. seconds)"))
        elif pd.api.types.is_complex_dtype(dtype):
            violations.append((name, "dtype", len(frame), f"complex numbers ({dtype}): write the parts as two columns"))
        else:
            odd = _odd_values(frame[name])
            if odd is not None:
                rows, value = odd
                shown = repr(value)
                shown = shown if len(shown) <= 40 else shown[:39] + "…"
                violations.append((name, "dtype", rows, f"values of type {type(value).__name__} (e.g. {shown}), "
                                   "neither text nor numbers: write the column as text or numbers (an interval's "
                                   "bounds as two number columns)"))
    if violations:
        raise DataValidationError(violations)


def _odd_values(col: pd.Series) -> tuple[int, Any] | None:
    """How many values of the object (or interval, or categorical) column ``col`` are neither text,
    numbers, true/false, bytes nor nested (those ``check_uniform_types`` names), with the first, when
    every value is; None otherwise (beside text or numbers they are mixed types, which
    ``check_uniform_types`` names). Such a feature (pandas' ``Interval``: a Parquet file pandas wrote
    from an ``interval`` column reads back as one; a ``uuid.UUID``) was one-hot encoded, and saving the
    model failed after the fit and the gate: "the model holds types skops does not trust ...:
    pandas._libs.interval.Interval; for an estimator of your own ..." (misleading for a built-in
    estimator)."""
    import numbers

    import numpy as np
    import pandas as pd

    values = col
    if isinstance(col.dtype, pd.CategoricalDtype):
        values = pd.Series(col.cat.categories)
    elif not (col.dtype == object or isinstance(col.dtype, pd.IntervalDtype)):
        return None
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty", "integer", "floating", "boolean",
                                                          "mixed-integer-float", "bytes"):
        return None  # decided in C (the common case)
    present = col.dropna()
    odd = present.map(lambda v: not isinstance(v, str | bytes | bytearray | bool | np.bool_ | numbers.Number | list
                                               | tuple | dict | set | frozenset) and not hasattr(v, "shape"))
    odd = odd.to_numpy(dtype=bool)
    # beside text or numbers: mixed types, which check_uniform_types names
    return (int(odd.sum()), present[odd].iloc[0]) if len(odd) and odd.all() else None


def index_columns(data: pd.DataFrame, numeric: list[str]) -> list[str]:
    """Numeric columns named as pandas names a CSV's unnamed first column (``Unnamed: 0``) holding
    distinct whole numbers: a row index written with the data, not a feature."""
    import re

    out = []
    for name in numeric:
        values = data[name].dropna()
        if re.fullmatch(r"Unnamed: \d+", str(name)) and len(values) > 1 and values.is_unique \
                and bool((values % 1 == 0).all()):
            out.append(name)
    return out


def refuse_arrow_nested(frame: pd.DataFrame) -> None:
    """Refuse ``frame``'s Arrow list, struct and map columns by their type, naming the column (rule
    ``dtype``), without reading their values: a feature needs one text or number per row, and such a
    column failed later with a raw ``TypeError`` or ``ArrowNotImplementedError``, null in every row too
    (``prepare.core.refuse_nested``, which prepare_data and the backtest call, and the fit)."""
    import pandas as pd

    arrow = [c for c in frame.columns if isinstance(frame[c].dtype, pd.ArrowDtype)]
    if not arrow:
        return
    import pyarrow as pa  # installed: an ArrowDtype column needs it

    nested = [(str(c), frame[c].dtype.pyarrow_dtype) for c in arrow if pa.types.is_nested(frame[c].dtype.pyarrow_dtype)]
    if nested:
        raise DataValidationError([(c, "dtype", len(frame), f"nested values (an Arrow {kind} column): a feature "
                                    "needs one text or number per row") for c, kind in nested])


def blank_as_missing(frame: pd.DataFrame, target: str) -> pd.DataFrame:
    """``frame`` with the blank text cells of ``target`` (:func:`blank_labels`) as nulls (the frame itself
    when there are none)."""
    blank = blank_labels(frame[target])
    return frame.assign(**{target: frame[target].mask(blank)}) if blank.any() else frame


def check_target_nested(y: pd.Series, target: str) -> None:
    """Refuse a target holding nested values (a list, dict, tuple, set or array in a row: a Parquet list
    or struct column, a frame of one's own), naming the column, one value and how many rows hold one:
    a target needs one class or number per row, and pandas' duplicate check and scikit-learn raised a raw
    ``TypeError: unhashable type: 'list'`` naming nothing. An Arrow list/struct column is refused by its
    type (``prepare.core.refuse_nested``)."""
    import pandas as pd

    if isinstance(y.dtype, pd.ArrowDtype):
        import pyarrow as pa

        if pa.types.is_nested(y.dtype.pyarrow_dtype):
            raise DataValidationError([(target, "dtype", int(y.notna().sum()), f"nested values (an Arrow "
                                        f"{y.dtype.pyarrow_dtype} column): a target needs one class or number "
                                        "per row")])
        return
    nested = nested_values(y)
    if nested:
        raise DataValidationError([(target, "dtype", nested[0], f"nested values ({type(nested[1]).__name__}; "
                                    f"e.g. {shown_value(nested[1])}): a target needs one class or number per row")])


MISSING_LABEL_MARKERS = ("?", "-", ".", "--")
"""Labels written for "no label" (UCI's and Weka's ``?``, a spreadsheet's ``-`` or ``--``, ``.``):
:func:`check_labels` refuses one of them among number classes, on fewer rows than those."""


def check_labels(y: pd.Series, target: str) -> None:
    """Refuse classes (not null) that mix text and other values (``1`` and ``"one"``: a frame's
    object column; a CSV reads both as text), or text classes that differ only in case or
    surrounding spaces (``Yes``/``yes``/``yes ``) or Unicode normalization form only (``café`` with
    ``é`` as one character or as ``e`` and an accent: they print alike): one class written two ways is
    learned as two.
    Single characters that differ only in case (``A``/``a``: a letter to recognise, a soft-masked
    DNA base, a chess piece's colour) are distinct classes: their case is their meaning. A blank
    label (only spaces) is refused too: it would be learned as a class of its own (the fit and
    ``prepare_data`` and the backtest make them missing first, :func:`blank_labels`), and a label of
    missing-label marker among number labels (``'?'`` with ``'0'``/``'1'``: UCI's and Weka's missing-label
    marker, trained as a class of its own: ``'?'`` on any number of rows (no class is written so; an
    unlabelled pool's rows), ``'-'``, ``'.'`` or ``'--'`` on fewer rows than the numbers (on most rows they
    may be a class: a dash for "no change"); ``'-'`` beside ``'+'`` is a class of signs, ``'*'`` a
    rating's). So are bytes (a
    Parquet BINARY column of text), which scikit-learn refuses naming no column."""
    import numpy as np
    import pandas as pd

    values = pd.unique(y)
    raw = [v for v in values if isinstance(v, bytes | bytearray)]
    if raw:  # scikit-learn: TypeError "Support for labels represented as bytes is not supported", no column named
        rows = int(y.map(lambda v: isinstance(v, bytes | bytearray)).sum())
        raise DataValidationError([(target, "labels", rows, f"labels are bytes, not text (e.g. {plain(raw[0])!r}): a "
                                    "Parquet BINARY column without the STRING annotation, as Impala and older Hive "
                                    "or Spark write text; write the column as a string (CAST(... AS STRING))")])
    texts = [v for v in values if isinstance(v, str)]
    others = [v for v in values if not isinstance(v, str)]
    # True and 0: scikit-learn's "Unknown label type: unknown". By row: pd.unique and isin take True for 1 and
    # False for 0 (equal, one hash), so 0/1 then True/False was one kind of value
    flag = y.map(lambda v: isinstance(v, bool | np.bool_)) if y.dtype == object and others else None
    number = None if flag is None else y.notna() & ~flag & ~y.map(lambda v: isinstance(v, str))
    if flag is not None and number is not None and flag.any() and number.any():
        flags, numbers = list(pd.unique(y[flag])), list(pd.unique(y[number]))
        rows = int(min(flag.sum(), number.sum()))
        raise DataValidationError([(target, "labels", rows, f"labels mix true/false and numbers (e.g. "
                                    f"{plain(flags[0])!r} and {plain(numbers[0])!r}): write every label as "
                                    "true/false, or every one as a number")])
    if texts and others:
        mixed = y.map(lambda v: isinstance(v, str))
        fewer = int(min(mixed.sum(), (~mixed).sum()))
        raise DataValidationError([(target, "labels", fewer, f"labels mix text and other values (e.g. {texts[0]!r} "
                                    f"and {plain(others[0])!r}): write every label as text, or every one as a "
                                    "number")])
    for pair in (("true", "false"), ("yes", "no")):
        words = [v for v in texts if v.strip().lower() in pair]
        if not words or others:  # '0'/'1' then 'True'/'False' or 'yes'/'no' (a source that changed how it writes the label)
            continue
        figures = [v for v in texts if v not in words]
        numeric = pd.to_numeric(pd.Series(figures, dtype=object).str.strip(), errors="coerce")
        # a relabelled binary target ('1'/'0' beside 'yes'/'no'); 'no', '1', '2' are three classes, zero written 'no'
        if figures and numeric.notna().all() and set(numeric) <= {0, 1}:
            rows = int(min(y.isin(words).sum(), y.isin(figures).sum()))
            said = "/".join(pair)
            raise DataValidationError([(target, "labels", rows, f"labels mix {said} and numbers, as text (e.g. "
                                        f"{words[0]!r} and {figures[0]!r}): one class written two ways is learned "
                                        f"as two; write every label as {said}, or every one as a number")])
    blank = [v for v in texts if not v.strip()]
    if blank:  # a spreadsheet's "empty" cell holding spaces: read as a class of its own, learned and scored
        rows = int(y.isin(blank).sum())
        raise DataValidationError([(target, "labels", rows, f"{rows} row(s) have a blank label "
                                    f"({', '.join(repr(v) for v in blank[:3])}): leave a missing label empty, "
                                    "as a null (an empty CSV cell, a Parquet null), not as blank text: "
                                    "prepare_data, the fit and the backtest leave such rows out; or write its "
                                    "class")])
    markers = [v for v in texts if not any(c.isalnum() for c in v)]  # '?', '-', '+', '*': no letter, no digit
    numbers = [v for v in texts if v not in markers]
    # missing-label markers among number classes: '?' (UCI's and Weka's; half the rows of an unlabelled pool)
    # always; '-', '.', '--' when every punctuation label is one and they are on fewer rows than the numbers.
    # Classes of signs ('-' beside '+': '-', '0', '+') and other punctuation ('*' beside 1, 2, 3) are classes
    signs = "+" in {v.strip() for v in markers}
    missing = [v for v in markers if v.strip() in MISSING_LABEL_MARKERS and not (signs and v.strip() == "-")]
    rows = int(y.isin(missing).sum())
    if missing and numbers and ("?" in {v.strip() for v in missing} or (
            len(missing) == len(markers) and 2 * rows < int(y.notna().sum()))):
        markers = missing
        if pd.to_numeric(pd.Series(numbers), errors="coerce").notna().all():
            # UCI's and Weka's '?' for a missing label among classes 0/1, read as text: a class '?' was learned
            kept = sorted(v for v in texts if v not in markers)  # sign classes too ('-', '0', '+' beside '?')
            shown = ", ".join(repr(v) for v in kept[:5]) + (", …" if len(kept) > 5 else "")
            raise DataValidationError([(target, "labels", rows, f"labels are numbers ({shown}) but "
                                        f"{' and '.join(repr(v) for v in markers[:3])} in {rows} row(s): a "
                                        "missing-label marker? leave a missing label empty (prepare_data, the fit "
                                        "and the backtest leave such rows out), or write its class")])
    groups: dict[str, list[str]] = {}  # 'é' as one character (NFC) or as 'e' and an accent (NFD): alike
    for v in texts:
        groups.setdefault(text_key(v), []).append(v)
    clashes = sorted(sorted(g) for g in groups.values()
                     if len(g) > 1 and (len({written(v) for v in g}) < len(g) or max(len(written(v)) for v in g) > 1))
    if clashes:
        rows = int(y.isin([v for g in clashes for v in g]).sum())
        # two classes that print alike are told apart by their characters
        forms = any(len({written(v) for v in g}) < len({v.strip() for v in g}) for g in clashes)
        named = "; ".join(" and ".join(ascii(v) if forms else repr(v) for v in g) for g in clashes)
        raise DataValidationError([(target, "labels", rows, f"classes written more than one way ({named}"
                                    + (f"; {forms_note([v for g in clashes for v in g])}" if forms else "")
                                    + "): write each class one way")])


# A classification target of numbers with more distinct values than this is refused: an amount or
# an ID read as classes (a price, a customer number), which a classifier fits one model per class
# for (hist_gradient_boosting: max_iter trees per class, minutes for a few hundred) and the gate
# scores as hundreds of classes of a few rows each. The default of ``training.max_number_classes``
# (0: no limit); text labels are never limited.
MAX_NUMBER_CLASSES = TrainingConfig.max_number_classes


def check_number_classes(y: pd.Series, target: str, classes: int, limit: int = MAX_NUMBER_CLASSES) -> None:
    """Refuse a classification target (not null) of numbers (not true/false) with more than
    ``limit`` distinct values (``training.max_number_classes``; 0: no limit), naming the column,
    the class count and what to set."""
    import pandas as pd

    if not limit or classes <= limit or pd.api.types.is_bool_dtype(y):
        return
    if not pd.api.types.is_numeric_dtype(y) and not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in pd.unique(y)):
        return
    raise DataValidationError([(target, "classes", len(y), f"{classes} distinct numbers, each a class of a "
                                f"classifier (at most {limit}, training.max_number_classes): an amount or an ID, "
                                "not classes? set training.task: regression; if they are classes, set "
                                f"training.max_number_classes: 0 (or {classes} or more), or write them as labels "
                                "that are no numbers (c101; a CSV reads a quoted 101 as a number) or as a Parquet "
                                "string column")])


# Labelled rows a class needs: a challenger's training window holds max(100, ROWS_PER_CLASS x classes)
# of them (ctloop.retrain.min_rows, the backtest's and train_model's floor), and below it a class
# reads as rare (the backtest's count-target note).
ROWS_PER_CLASS = 25
# A feature equal to a class label in every row is refused as a leak only when every class has at
# least the rows a class needs: below it a genuine, strong flag can match a rare class by chance
# (3 defaults in a small window, a flag set on exactly those rows), and the train step gets a note.
COPY_MIN_CLASS_ROWS = ROWS_PER_CLASS


def check_target_copies(frame: pd.DataFrame, target: str, features: list[str],
                        task: str = TrainingConfig.task) -> list[str]:
    """Refuse feature columns equal to the target in every row (``True`` equals ``1`` and ``1.0``):
    the label itself, exported twice, gives a perfect model that learns nothing usable. A target
    with one value is left alone (any constant column would equal it). For a classifier whose
    rarest class has fewer than :data:`COPY_MIN_CLASS_ROWS` rows such columns are returned, not
    refused: chance can explain them there."""
    import numpy as np

    y = frame[target]
    if y.nunique() < 2:
        return []
    labels = y.to_numpy(dtype=object)

    def same(name: str, rows: slice) -> bool:
        col = frame[name].iloc[rows]
        if not col.notna().all():  # a gap is not the label (and pd.NA compares as NA)
            return False
        try:
            return bool(np.all(col.to_numpy(dtype=object) == labels[rows]))
        except (TypeError, ValueError):  # nested values (lists, arrays): not a copy of a label
            return False

    # the first rows first: a wide table of features that are not copies costs a few comparisons each
    copies = [name for name in features if same(name, slice(0, 64)) and same(name, slice(None))]
    if copies and task == "classification":  # counted only then: 0.28 s a fit of a million rows otherwise
        counts = y.value_counts()  # a category target's categories no row holds are no class
        if int(counts[counts > 0].min()) < COPY_MIN_CLASS_ROWS:
            return copies
    if copies:
        raise DataValidationError([(name, "target_copy", len(frame), f"equals the target {target!r} in every row (a "
                                    "leak: the label itself): drop it from the features") for name in copies])
    return []


MAX_TARGET_MAGNITUDE = 1e150  # a regression target beyond it: (y - ŷ)² overflows float64 (max ~1.8e308)


def check_regression_target(y: pd.Series, target: str, estimator: str = "") -> None:
    """Refuse a regression target (not null) that is not numbers, naming a few values that are not
    (a text cell among numbers, as a CSV reads it) and how many rows hold one, whose values are
    so large that their squared errors overflow (:data:`MAX_TARGET_MAGNITUDE`), or that
    ``estimator`` learns nothing from (:func:`ctloop.estimators.target_problem`: every row the
    same prediction, otherwise only a note)."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y):
        # in float64: 1e150 overflows a float32 column's type ("overflow encountered in cast")
        large = y[np.abs(y.to_numpy(dtype=float, na_value=np.nan)) > MAX_TARGET_MAGNITUDE]
        if len(large):  # its squared errors (MSE, RMSE, the gate's bootstrap) overflow float64 to inf
            raise DataValidationError([(target, "magnitude", len(large), f"values up to {float(large.abs().max()):.3g} "
                                        f"(above {MAX_TARGET_MAGNITUDE:.0e}): their squared errors overflow a 64-bit "
                                        "float; rescale the target (other units, a log)")])
        problem = target_problem(estimator, "regression", y.to_numpy(dtype=float, na_value=np.nan)) \
            if estimator else None
        if problem:
            raise DataValidationError([(target, "magnitude", int(y.notna().sum()), problem)])
        return
    bad = y[pd.to_numeric(y, errors="coerce").isna()] if not pd.api.types.is_bool_dtype(y) else y
    if len(bad):
        examples = [plain(v) for v in pd.unique(bad)[:3]]
        raise DataValidationError([(target, "dtype", len(bad), f"regression needs a numeric target, got values "
                                    f"like {examples}")])
    texts = y.dropna()
    if len(texts) and all(isinstance(v, str) for v in texts.unique()):  # every value a number written as text
        raise DataValidationError([(target, "dtype", len(texts), f"numbers written as text (e.g. {texts.iloc[0]!r}): "
                                    "regression needs a numeric target; store the column as numbers")])
    raise DataValidationError([(target, "dtype", len(y), f"regression needs a numeric target, got {y.dtype}")])



def run(frame: pd.DataFrame, cfg: TrainingConfig, *, target: str, time_column: str) -> TrainResult:
    """:func:`fit` with the settings of the ``training`` section (the time column is never a feature)."""
    return fit(frame, target=target, task=cfg.task, estimator=cfg.estimator, params=dict(cfg.hyperparameters),
               search_iterations=cfg.search_iterations, exclude=(time_column,), seed=cfg.seed,
               trusted_types=tuple(cfg.trusted_types), max_number_classes=cfg.max_number_classes)


__all__ = ["TrainResult", "run", "build_pipeline", "fit", "split_features", "stratify_problem", "id_columns",
           "check_serialisable", "ESTIMATORS"]
