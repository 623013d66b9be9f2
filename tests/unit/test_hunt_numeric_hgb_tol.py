"""The default ``hist_gradient_boosting`` regressor on a target in small units.

scikit-learn 1.9.1's HistGradientBoosting stops early when the validation score has not improved
by more than ``tol`` (default 1e-7, an absolute amount of the loss: ``_should_stop`` in
``sklearn/ensemble/_hist_gradient_boosting/gradient_boosting.py``) in ``n_iter_no_change`` rounds.
For a regressor the loss is in the target's units squared, so a target of size ~1e-4 (a rate, a
price in thousands of units) stopped after the first 20 rounds whatever it learned: R² 0.83 where
the same data in units ~1 reached 0.99. The regressor's default ``tol`` is now 0 (any
improvement), the same stopping at every scale; the classifier's log loss has no units and keeps
scikit-learn's default."""

from __future__ import annotations

import numpy as np
import pytest

from ctloop.estimators import build


def _data(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    return x, x[:, 0] * 2 + np.sin(x[:, 1] * 2) + rng.normal(size=n) * 0.3 * (seed == 0)


@pytest.mark.parametrize("scale", [1e-4, 1e-9, 1e3])
def test_small_units_train_as_many_rounds_as_units_of_one(scale):
    x, y = _data(3000, 0)
    unit = build("regression", "hist_gradient_boosting", {}, 0)[0].fit(x, y)
    scaled = build("regression", "hist_gradient_boosting", {}, 0)[0].fit(x, y * scale)
    assert scaled.n_iter_ == unit.n_iter_
    xt, _ = _data(500, 1)
    assert np.allclose(scaled.predict(xt) / scale, unit.predict(xt), rtol=1e-6, atol=1e-6)


def test_the_classifier_keeps_sklearns_tol():
    assert build("classification", "hist_gradient_boosting", {}, 0)[0].tol == 1e-7
    assert build("regression", "hist_gradient_boosting", {"tol": 1e-3}, 0)[0].tol == 1e-3  # a given one is kept
