"""``estimators.target_problem``: the regression targets an estimator learns nothing from, with the
reason (the train core and the backtest refuse such a target naming the column: tests/unit/test_target_scale_refused.py).

hist_gradient_boosting keeps gradients in float32 (scikit-learn 1.9.1,
``sklearn/ensemble/_hist_gradient_boosting/common.pyx``: ``G_H_DTYPE = np.float32``): a target
~8e38 gave every row the same prediction, with only "invalid value encountered in reduce" and the
train core's "same prediction" note; random_forest's trees (``sklearn/tree/_tree.pyx``, EPSILON =
np.finfo('double').eps) never split a target of variance below 2.2e-16 (values ~1e-9)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ctloop.estimators import build, target_problem


def _data(n=1500):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3))
    return x, x[:, 0] * 2 + np.sin(x[:, 1] * 2) + rng.normal(size=n) * 0.3


def _learns(estimator, y):
    x, _ = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = build("regression", estimator, {"n_estimators": 30} if estimator == "random_forest" else {}, 0)[0]
        pred = model.fit(x, y).predict(x)
    return float(np.ptp(pred)) > 1e-12 * float(np.max(np.abs(pred)))


@pytest.mark.parametrize("estimator, scale, fails", [
    ("hist_gradient_boosting", 1e38, True), ("hist_gradient_boosting", 1e37, False),
    ("hist_gradient_boosting", 1e-100, True), ("hist_gradient_boosting", 1e-30, False),
    ("random_forest", 1e-9, True), ("random_forest", 1e-6, False), ("random_forest", 1e100, False),
    ("linear_regression", 1e-300, False), ("linear_regression", 1e140, False),
    ("random_forest", 1e-170, True),  # its variance underflows to 0: the std does not
])
def test_a_refused_target_is_one_the_estimator_learns_nothing_from(estimator, scale, fails):
    _, y = _data()
    problem = target_problem(estimator, "regression", y * scale)
    assert (problem is not None) is fails, problem
    assert _learns(estimator, y * scale) is not fails  # the refusal is the library's own limit
    if fails:
        assert estimator in problem and "learns nothing" in problem or "one value" in problem


def test_the_reason_names_the_value_and_classification_is_not_judged():
    _, y = _data()
    problem = target_problem("hist_gradient_boosting", "regression", y * 1e38)
    assert f"{float((y * 1e38)[np.argmax(np.abs(y - y.mean()))]):.3g}" in problem
    assert target_problem("hist_gradient_boosting", "classification", [0, 1] * 10) is None
    assert target_problem("random_forest", "regression", [5.0] * 10) is None  # constant: learnt as such
    assert target_problem("hist_gradient_boosting", "regression", [np.nan, np.inf]) is None
