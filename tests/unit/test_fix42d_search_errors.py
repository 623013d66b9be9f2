"""The train core's randomized search scores a candidate NaN when fitting or scoring it fails on a
fold, as scikit-learn's ``RandomizedSearchCV(error_score=np.nan)`` does (scikit-learn 1.9
``model_selection/_validation.py``: ``_fit_and_score`` catches any ``Exception`` from ``fit`` and
``_score`` from the scorer). Was: only a ``ValueError`` from ``fit`` was caught, so a candidate
raising another error (LightGBM's ``LightGBMError`` is a ``RuntimeError``) or failing in the scorer
ended the run with a raw traceback. When every candidate fails: a TrainingError naming the first
error."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import Pipeline

from ctloop.components.train.core import random_search
from ctloop.errors import TrainingError


class Fragile(ClassifierMixin, BaseEstimator):
    """A classifier whose fit (``fail="fit"``) or predict_proba (``fail="score"``) raises a
    RuntimeError, as LightGBM's native errors are raised."""

    def __init__(self, fail: str = "", C: float = 1.0):
        self.fail, self.C = fail, C

    def fit(self, x, y):
        if self.fail == "fit":
            raise RuntimeError("[LightGBM] [Fatal] Check failed: num_data > 0")
        self.inner_ = LogisticRegression(C=self.C).fit(x, y)
        self.classes_ = self.inner_.classes_
        return self

    def predict_proba(self, x):
        if self.fail == "score":
            raise RuntimeError("booster handle freed")
        return self.inner_.predict_proba(x)

    def predict(self, x):
        return self.inner_.predict(x)


def _data():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.normal(size=300)})
    y = pd.Series((x.a + rng.normal(scale=0.5, size=300) > 0).astype(int))
    return x, y, list(TimeSeriesSplit(n_splits=3).split(x))


@pytest.mark.parametrize("fail", ["fit", "score"])
def test_a_candidate_raising_another_error_is_not_chosen(fail):
    x, y, folds = _data()
    pipe = Pipeline([("model", Fragile())])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _, chosen, score = random_search(
            pipe,
            {"model__fail": [fail, ""]},
            x,
            y,
            folds=folds,
            scoring="roc_auc",
            iterations=2,
            seed=0,
        )
    assert chosen == {"model__fail": ""} and score > 0.5
    assert any("RuntimeError" in str(w.message) for w in seen)


@pytest.mark.parametrize("fail", ["fit", "score"])
def test_all_candidates_failing_is_a_training_error_naming_the_first(fail):
    x, y, folds = _data()
    pipe = Pipeline([("model", Fragile(fail=fail))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(TrainingError, match="all 2 search candidates failed.*RuntimeError"):
            random_search(
                pipe,
                {"model__C": [0.1, 1.0]},
                x,
                y,
                folds=folds,
                scoring="roc_auc",
                iterations=2,
                seed=0,
            )
