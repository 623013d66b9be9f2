"""Prediction drift of scores a producer logged rounded. A model whose probabilities take a few
values (a k-nearest-neighbours classifier's k/7 votes, a small forest's, a tree regressor's leaf
means) has tied deciles, and each tied value is a bin of its own (triggers.score_edges). A server or
a payload logger that writes its scores rounded to a few decimals (``round(p, 4)`` in a custom
predictor, ``%.4f`` in a transformer) moved every such score just past its own bin: 1/7 logged as
0.1429 lies above 0.142857…, so the champion served against its own gate read PSI ~10 in every
window and prediction drift fired on every window. A logged score that is a decile rounded to the
decimals it was written with is now that decile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeRegressor

from ctloop.components.evaluate.core import _digits
from ctloop.monitoring import triggers


def _knn(n_classes: int, seed: int = 0):
    """A 7-nearest-neighbours classifier on two features, its gate on a holdout and fresh served rows
    from the same distribution (no drift)."""
    rng = np.random.default_rng(seed)

    def rows(n):
        x = rng.normal(size=(n, 2))
        y = (np.digitize(x[:, 0] + 0.8 * rng.normal(size=n), np.linspace(-1, 1, n_classes - 1))
             if n_classes > 2 else (x[:, 0] + 0.8 * rng.normal(size=n) > 0).astype(int))
        return x, y

    model = KNeighborsClassifier(7).fit(*rows(2000))
    x_hold, y_hold = rows(3000)
    gate = triggers.gate_reference(y_hold, model.predict_proba(x_hold), list(model.classes_))
    gate = {k: float(f"{_digits(v):.6g}") for k, v in gate.items()}  # as the registry's tags give it back
    return model, gate, rows


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("decimals", [2, 3, 4, 6])
def test_knn_votes_logged_rounded_are_no_drift_against_their_own_gate(n_classes, decimals):
    model, gate, rows = _knn(n_classes)
    x, _ = rows(600)
    proba = model.predict_proba(x)
    logged = pd.DataFrame(np.round(proba, decimals), columns=[f"prediction_{i}" for i in range(n_classes)])
    if n_classes == 2:
        logged = logged[["prediction_1"]]  # what a binary classifier's log is monitored on
    classes = list(range(n_classes))
    exact = triggers.prediction_drift(gate, proba)
    assert exact["psi"] <= exact["psi_bound"], exact  # the same scores unrounded: no drift
    served = triggers.served_prediction_drift("classification", classes, gate, logged)
    assert served["psi"] <= served["psi_bound"], (decimals, served, exact)
    assert served["psi"] == pytest.approx(exact["psi"], abs=0.02)
    spec = triggers.score_bin_spec("classification", classes, gate)  # the streamed path bins them the same
    halves = [triggers.score_bins_of(spec, part) for part in (logged.iloc[:250], logged.iloc[250:])]
    assert triggers.drift_from_bins(gate, halves[0] + halves[1]) == pytest.approx(served)


def test_rounded_votes_that_moved_are_still_drift():
    """The snap is to the decile the logged score rounds from, never across a vote: served rows
    whose neighbourhoods changed (the first feature shifted) still read as drift when logged rounded."""
    model, gate, rows = _knn(2, seed=1)
    x, _ = rows(600)
    x[:, 0] += 1.0
    logged = pd.DataFrame({"prediction_1": np.round(model.predict_proba(x)[:, 1], 4)})
    moved = triggers.served_prediction_drift("classification", [0, 1], gate, logged)
    assert moved["psi"] > max(0.2, moved["psi_bound"]), moved


def test_a_tree_regressors_leaf_means_logged_to_cents():
    """A regression tree predicts a few leaf means (12.3456789…); logged to two decimals they are
    still those leaves: no drift against the tree's own gate, and a shifted input still is drift."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3000, 2))
    y = 50 + 10 * x[:, 0] + rng.normal(size=3000)
    tree = DecisionTreeRegressor(max_depth=3, random_state=0).fit(x[:2000], y[:2000])
    gate = triggers.regression_reference(y[2000:], tree.predict(x[2000:]))
    gate = {k: float(f"{_digits(v):.6g}") for k, v in gate.items()}
    served = rng.normal(size=(500, 2))
    same = triggers.served_prediction_drift("regression", None, gate, pd.Series(np.round(tree.predict(served), 2)))
    assert same["psi"] <= same["psi_bound"], same
    served[:, 0] += 1.0
    moved = triggers.served_prediction_drift("regression", None, gate, pd.Series(np.round(tree.predict(served), 2)))
    assert moved["psi"] > max(0.2, moved["psi_bound"]), moved


def test_full_precision_scores_near_a_decile_are_not_snapped():
    """Continuous scores written with all their digits are not read as rounded: a score 1e-7 below
    a decile stays below it. Scores written with four decimals are read as the deciles they round."""
    rng = np.random.default_rng(3)
    deciles = [0.1 * i for i in range(1, 10)]
    full = np.r_[rng.random(50), 0.3 - 1e-7, 0.3 + 1e-7]
    assert triggers.served_rounding(full) == (0.0, 1)
    edges = triggers.score_edges(deciles)
    plain = np.bincount(np.searchsorted(edges, full, side="right"), minlength=len(edges) + 1)
    np.testing.assert_array_equal(triggers.score_bins_of((*deciles, 2.0), pd.DataFrame({"prediction_1": full})), plain)
    four = np.r_[np.round(rng.random(50), 4), 0.1429, 0.1428]
    assert triggers.served_rounding(four) == (pytest.approx(1e-4), 1)
    sevenths = [1 / 7, 1 / 7, 2 / 7, 3 / 7, 3 / 7, 4 / 7, 5 / 7, 6 / 7, 6 / 7]  # tied: atoms
    snapped = triggers.snap_scores(sevenths, four, triggers.served_rounding(four))
    assert snapped[-2] == 1 / 7 and snapped[-1] == 0.1428  # 0.1429 rounds 1/7; 0.1428 is a unit away
    assert triggers.snap_scores([0.37] * 9, np.array([0.37, 0.38]), (0.01, 1)).tolist() == [0.37, 0.38]
    continuous = [0.1 * i + 1 / 700 for i in range(1, 10)]  # no atom: a rounded neighbour stays where it is
    assert triggers.snap_scores(continuous, np.array([0.1014]), (1e-4, 1)).tolist() == [0.1014]
    assert triggers.snap_scores(continuous, np.array([0.1014]), (1e-4, 1), [True] * 9).tolist() == [continuous[0]]
