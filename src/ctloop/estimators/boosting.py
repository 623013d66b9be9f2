"""XGBoost and LightGBM as ctloop estimators: scikit-learn meta-estimators around the libraries'
own ``XGBClassifier``/``LGBMClassifier`` (and regressors), the last step of the training Pipeline.

What the wrapper adds, the same for both libraries:

* **labels of any kind** — the classifier encodes the classes (``0``/``1``, ``2``/``5``/``7``,
  ``"approved"``) to ``0..k-1`` for the library (XGBoost refuses anything else) and answers in the
  original classes (``classes_``, ``predict``); ``predict_proba`` columns follow ``classes_``;
* **early stopping on a validation split** — ``validation_fraction`` of the rows (stratified by
  class for a classifier) are held out and the rounds stop after ``early_stopping_rounds`` without
  improvement, as ``HistGradientBoosting*`` does; ``predict`` uses the best round. When a class has
  too few rows for a stratified split (a class seen once in a training window) early stopping is
  switched off for that fit and the reason is kept in ``early_stopping_`` (ctloop puts it in the
  model meta); it never fails the fit;
* **class_weight** (classifier) — ``None``, ``"balanced"`` or ``{class: weight}``, multiplied into
  the sample weights (``_ctloop_weight``), for both libraries.

Serialised with skops: the wrapper, the library's estimator and booster types are in
``ctloop.artifacts.TRUSTED_SKOPS_TYPES`` (their state is the library's own model bytes, rebuilt by
its ``__setstate__``). Renaming this module or its classes breaks every stored model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_is_fitted

from ctloop.errors import plain


def _library(estimator: Any) -> str:
    module = type(estimator).__module__.split(".")[0]
    if module not in ("xgboost", "lightgbm"):
        raise TypeError(f"ctloop.estimators.boosting wraps XGBoost and LightGBM estimators, not {module}")
    return module


class _Boosted(BaseEstimator):
    """Shared fitting: a validation split, early stopping where it is possible, sample weights."""

    def _split(self, y: np.ndarray, stratify: bool) -> tuple[np.ndarray, np.ndarray] | str:
        """``(train rows, validation rows)``, or why early stopping is off for this fit."""
        from sklearn.model_selection import train_test_split

        rounds = self.early_stopping_rounds
        fraction = float(self.validation_fraction or 0)
        if not rounds or rounds <= 0 or fraction <= 0:
            return "early stopping off (early_stopping_rounds or validation_fraction is 0)"
        n = len(y)
        n_val = int(np.ceil(fraction * n))
        if stratify:
            classes, counts = np.unique(y, return_counts=True)
            k = len(classes)
            small = counts.min()
            if small < 2 or n_val < k or n - n_val < k:
                label = self.classes_[classes[counts.argmin()]] if hasattr(self, "classes_") else classes[counts.argmin()]
                return (f"early stopping off: class {plain(label)!r} has {int(small)} row(s) of {n}, too few for a "
                        f"stratified {fraction:.0%} validation split ({k} classes, {n_val} validation rows); "
                        f"all {self._rounds()} rounds trained on every row")
        elif n_val < 1 or n - n_val < 2:
            return f"early stopping off: {n} rows are too few for a {fraction:.0%} validation split"
        seed = self.estimator.get_params().get("random_state")
        seed = seed if isinstance(seed, int) else 0
        rows = np.arange(n)
        train, val = train_test_split(rows, test_size=n_val, stratify=y if stratify else None, random_state=seed)
        if stratify and len(np.unique(y[train])) < len(np.unique(y)):
            return "early stopping off: the stratified split left a class out of the training rows"
        return np.sort(train), np.sort(val)

    def _rounds(self) -> Any:
        return self.estimator.get_params().get("n_estimators")

    def _fit_boosted(self, X: Any, y: np.ndarray, weights: np.ndarray | None, stratify: bool) -> None:
        library = _library(self.estimator)
        model = clone(self.estimator)
        split = self._split(y, stratify)
        if isinstance(split, str):
            if library == "xgboost":
                model.set_params(early_stopping_rounds=None)
            model.fit(X, y, sample_weight=weights)
            self.early_stopping_ = {"used": False, "note": split, "rounds": _int(self._rounds())}
        else:
            train, val = split
            x_tr, x_val = _safe_indexing(X, train), _safe_indexing(X, val)
            w_tr = weights[train] if weights is not None else None
            w_val = [weights[val]] if weights is not None else None
            if library == "xgboost":
                model.set_params(early_stopping_rounds=int(self.early_stopping_rounds))
                model.fit(x_tr, y[train], sample_weight=w_tr, eval_set=[(x_val, y[val])],
                          sample_weight_eval_set=w_val, verbose=False)
                best = int(model.best_iteration) + 1
            else:
                import lightgbm

                model.fit(x_tr, y[train], sample_weight=w_tr, eval_X=(x_val,), eval_y=(y[val],),
                          eval_sample_weight=w_val,
                          callbacks=[lightgbm.early_stopping(int(self.early_stopping_rounds), verbose=False)])
                best = int(model.best_iteration_ or model.n_estimators_)
                # the per-round validation scores are not part of the model (and need more skops types)
                model._evals_result = {}
                model._best_score = {}
                model.booster_.best_score = {}
            self.early_stopping_ = {"used": True, "note": f"early stopping: best of {self._rounds()} rounds is "
                                    f"{best}, on {len(val)} validation rows", "rounds": best}
        self.estimator_ = model
        self.n_features_in_ = X.shape[1]


class BoostedClassifier(ClassifierMixin, _Boosted):
    """An XGBoost/LightGBM classifier with label encoding, early stopping and class weights.

    Args:
        estimator: The unfitted ``xgboost.XGBClassifier`` or ``lightgbm.LGBMClassifier``.
        early_stopping_rounds: Stop after this many rounds without improvement on the validation
            rows; 0 = no early stopping (all ``n_estimators`` rounds on every row).
        validation_fraction: Share of the rows held out (stratified) for early stopping.
        class_weight: ``None``, ``"balanced"`` or ``{class: weight}``, multiplied into the sample
            weights.
    """

    def __init__(self, estimator: Any = None, early_stopping_rounds: int = 20, validation_fraction: float = 0.15,
                 class_weight: Any = None):
        self.estimator = estimator
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.class_weight = class_weight

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> BoostedClassifier:
        from sklearn.preprocessing import LabelEncoder
        from sklearn.utils.class_weight import compute_sample_weight

        y = np.asarray(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(f"a classifier needs at least two classes; the training rows have 1 class "
                             f"({plain(encoder.classes_[0])!r})")
        self.classes_ = encoder.classes_
        encoded = encoder.transform(y)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if self.class_weight is not None:
            balance = compute_sample_weight(self.class_weight, y)
            weights = balance if weights is None else weights * balance
        self._fit_boosted(X, encoded, weights, stratify=True)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class BoostedRegressor(RegressorMixin, _Boosted):
    """An XGBoost/LightGBM regressor with early stopping on a random validation split.

    Args:
        estimator: The unfitted ``xgboost.XGBRegressor`` or ``lightgbm.LGBMRegressor``.
        early_stopping_rounds: Stop after this many rounds without improvement on the validation
            rows; 0 = no early stopping.
        validation_fraction: Share of the rows held out for early stopping.
    """

    def __init__(self, estimator: Any = None, early_stopping_rounds: int = 20, validation_fraction: float = 0.15):
        self.estimator = estimator
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> BoostedRegressor:
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self._fit_boosted(X, np.asarray(y, dtype=float), weights, stratify=False)
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)



def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None


__all__ = ["BoostedClassifier", "BoostedRegressor"]
