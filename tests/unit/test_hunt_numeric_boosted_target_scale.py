"""XGBoost and LightGBM regressors on a target in other units learn the same model.

Both libraries keep labels and gradients in float32 and have absolute thresholds: XGBoost's split
gain must pass ``kRtEps`` (1e-6, ``src/tree/param.h``, xgboost 3.2.0) and its gradient sums are
float32, so the default ``xgboost`` regressor learned nothing (R² ~0, a constant) for a target of
size ~1e-6 or ~1e19 and raised ``XGBoostError`` past float32's 3.4e38; LightGBM (4.7.0, float32
``label_t``) learned nothing past ~1e38 and below ~1e-35; a target of 1e9 + N(0, 1) was lost in
float32 rounding. ``BoostedRegressor`` now fits the target centred (only when its mean is far from
0 against its spread) and divided by a power of two near its standard deviation, and scales the
predictions back: a target with a spread near 1 is fitted exactly as before."""

from __future__ import annotations

import numpy as np
import pytest

from ctloop.estimators import build

BOOSTED = ["xgboost", "lightgbm"]


def _data(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    return x, x[:, 0] * 2 + np.sin(x[:, 1] * 2) + rng.normal(size=n) * 0.3


def _r2(model, scale=1.0, offset=0.0):
    x, y = _data()
    xt, yt = _data(800, seed=1)
    model.fit(x, y * scale + offset)
    pred = (model.predict(xt) - offset) / scale
    return 1 - np.sum((pred - yt) ** 2) / np.sum((yt - yt.mean()) ** 2)


@pytest.mark.parametrize("estimator", BOOSTED)
@pytest.mark.parametrize("scale, offset", [(1e-8, 0.0), (1e-40, 0.0), (1e19, 0.0), (1e60, 0.0), (1.0, 1e9)])
def test_a_target_in_other_units_learns_the_same_model(estimator, scale, offset):
    unit = _r2(build("regression", estimator, {}, 0)[0])
    assert unit > 0.9
    assert _r2(build("regression", estimator, {}, 0)[0], scale, offset) == pytest.approx(unit, abs=0.02)


@pytest.mark.parametrize("estimator", BOOSTED)
def test_a_target_of_spread_near_one_is_fitted_exactly_as_before(estimator):
    """std in [0.75, 1.5) is divided by 1 and not centred: the library gets the very labels."""
    x, y = _data()
    model = build("regression", estimator, {}, 0)[0].fit(x, y * 0.5)
    assert (model.target_center_, model.target_scale_) == (0.0, 1.0)
    assert np.array_equal(model.predict(x), model.estimator_.predict(x))
