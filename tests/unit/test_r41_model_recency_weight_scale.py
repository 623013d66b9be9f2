"""Round 41 (model surface): recency weights and the estimators that count weight as rows.

``prepare_data``'s recency weights are ``0.5 ** (age / half-life)``, the newest row weighing 1, so
they sum to about half the effective rows (Kish's n_eff, which ``prepare_data`` requires to be at
least 2). scikit-learn 1.9's random forest draws ``max_samples * sum(sample_weight)`` rows per
tree (``sklearn/ensemble/_bootstrap.py`` ``_get_n_samples_bootstrap``: "max_samples * sample_weight.sum()
weighted samples"), and xgboost's ``min_child_weight`` is a sum of weights: with n_eff 18 (a
half-life of ~9 rows' spacing) every tree of either had a handful of rows and one leaf, and the
model gave every row the same prediction, with only the "learned nothing" note. The n_eff rule is
not the cause (hist_gradient_boosting, logistic_regression and lightgbm learn at n_eff just above
2): these two now get the same relative weights scaled to a mean of 1."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from ctloop.columns import WEIGHT
from ctloop.components.prepare.core import recency_weights
from ctloop.components.train.core import fit


def _weighted(n=600, half_life="9h"):
    rng = np.random.default_rng(0)
    times = pd.Series(pd.date_range("2025-01-01", periods=n, freq="h"))
    x = rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "y": (x + rng.normal(scale=0.5, size=n) > 0).astype(int)})
    frame[WEIGHT] = recency_weights(times, times.max(), half_life)
    w = frame[WEIGHT].to_numpy()
    assert 10 < w.sum() ** 2 / np.square(w).sum() < 30  # n_eff: far above prepare_data's minimum of 2
    return frame


@pytest.mark.parametrize("estimator", ["random_forest", "xgboost"])
def test_a_recency_weighted_forest_or_xgboost_learns(estimator):
    frame = _weighted()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit(frame, target="y", estimator=estimator, params={"n_estimators": 50})
    assert not any("learned nothing" in str(w.message) for w in caught), [str(w.message) for w in caught]
    newest = frame.iloc[-150:]
    proba = result.model.predict_proba(newest[["x"]])[:, 1]
    assert roc_auc_score(newest["y"], proba) > 0.8


def test_a_forest_of_two_effective_rows_says_the_weights_leave_two():
    frame = _weighted()
    frame[WEIGHT] = recency_weights(pd.Series(pd.date_range("2025-01-01", periods=len(frame), freq="h")),
                                    None, "40min")  # n_eff 2.1: a forest of leaves of 5 rows cannot split
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        result = fit(frame, target="y", estimator="random_forest", params={"n_estimators": 20})
    notes = [n for n in result.meta["notes"] if "learned nothing" in n]
    assert notes and "effective row(s) of 600" in notes[0] and "data.recency_half_life" in notes[0], result.meta["notes"]
    assert "\n" not in notes[0]
