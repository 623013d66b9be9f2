"""``ctloop.metrics`` at numeric extremes, against scikit-learn 1.9.1 on the same data in units ~1.

* regression: RMSE squared the errors in float64, so errors below ~1e-162 gave RMSE 0 (a gate
  comparing two models saw a tie) and past ~1e154 inf; R²'s total sum of squares underflowed to 0
  for labels ~1e-170 (R² NaN, "no variance", for labels that vary) and overflowed past ~1e154
  (inf/inf: NaN). Now computed on the values divided by a power of two near the largest, so each is the metric of the
  same data in units ~1 (times the scale for RMSE and MAE) where that is a float64.
* classification: integer classes were matched to the labels as float64, so two classes that
  differ only past 2**53 (int64 ids near 2**63) were one class (accuracy wrong, ROC AUC NaN)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as S

from ctloop import metrics as M


def _regression(seed=0, n=200):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    return y, y + rng.normal(size=n) * 0.3


@pytest.mark.parametrize("scale", [1e-170, 1e-200, 1e-310, 1e154, 1e160, 1e200, 1e300])
def test_regression_metrics_are_those_of_the_data_in_units_of_one(scale):
    y, pred = _regression()
    unit = {"rmse": S.root_mean_squared_error(y, pred), "mae": S.mean_absolute_error(y, pred),
            "r2": S.r2_score(y, pred)}
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = M.regression(y * scale, pred * scale)
    assert got["r2"] == pytest.approx(unit["r2"], rel=1e-9)
    for key in ("rmse", "mae"):
        assert got[key] == pytest.approx(unit[key] * scale, rel=1e-6 if scale < 1e-300 else 1e-9), key


def test_constant_labels_still_have_no_r2_and_a_perfect_fit_rmse_zero():
    y = np.full(50, 2.0**-700)  # (a constant whose mean is exact, as scikit-learn needs too)
    got = M.regression(y, y)
    assert got["rmse"] == 0 and got["mae"] == 0 and got["r2"] != got["r2"]
    assert M.regression(np.full(50, 3.0), np.full(50, 4.0))["rmse"] == 1.0


@pytest.mark.parametrize("classes", [[2**53, 2**53 + 1], [2**63 - 2, 2**63 - 1], [-2**63, -2**63 + 1],
                                     [2**62, 2**62 + 1, 2**62 + 2]])
def test_int64_classes_past_float_precision_stay_apart(classes):
    rng = np.random.default_rng(1)
    y = np.asarray(rng.choice(np.asarray(classes, dtype=np.int64), size=300), dtype=np.int64)
    proba = rng.dirichlet(np.ones(len(classes)), size=300)
    got = M.classification(y, proba, list(classes))
    codes = np.searchsorted(np.asarray(classes, dtype=np.int64), y)
    assert got["accuracy"] == pytest.approx(S.accuracy_score(codes, proba.argmax(axis=1)))
    if len(classes) == 2:
        assert got["roc_auc"] == pytest.approx(S.roc_auc_score(codes, proba[:, 1]))
    else:
        assert got["roc_auc"] == pytest.approx(S.roc_auc_score(codes, proba, multi_class="ovr"))
    assert got["log_loss"] == pytest.approx(S.log_loss(codes, proba, labels=list(range(len(classes)))))
    assert M.known_classes(y, list(classes)).all()
    assert not M.known_classes(np.asarray([classes[1]], dtype=np.int64), list(classes)[:1]).any()
