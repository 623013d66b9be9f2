"""Review revB item 5: recency weights were measured from the window's end, which the holdout's rows sit
before, so every training weight carried a factor 0.5 ** (holdout span / half-life): at 8 h over a
200-hour holdout they summed to 3.6e-7, above the refusal's 2.2e-16, and gradient boosting fitted a
constant model (its hessians under min_hessian_to_split). The weights are now relative to the newest
training row (which weighs 1), and the backtest refuses what prepare refuses: weights that leave about
one effective row (a half-life far shorter than the rows' spacing)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BACKTEST_THRESHOLDS, BacktestConfig, run_backtest
from ctloop.columns import WEIGHT
from ctloop.components.prepare.core import prepare
from ctloop.components.train.core import fit
from ctloop.config import GateConfig, TrainingConfig
from ctloop.errors import ConfigError, DataValidationError


def _hourly(n: int = 1000, freq: str = "h") -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    return pd.DataFrame({"t": pd.date_range("2025-01-01", periods=n, freq=freq), "x": x,
                         "y": np.where(x + rng.normal(scale=0.5, size=n) > 0, "yes", "no")})


@pytest.mark.parametrize("half_life", ["1h", "8h", "24h"])
def test_short_half_lives_still_train_a_model_that_separates_the_rows(half_life):
    prepared = prepare(_hourly(), target="y", time_column="t", window=None, recency_half_life=half_life)
    assert prepared.train[WEIGHT].max() == 1.0  # the newest training row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = fit(prepared.train, target="y", task="classification", estimator="hist_gradient_boosting",
                    exclude=("t",)).model
    scores = model.predict_proba(prepared.holdout[["x"]])[:, 1]
    assert np.ptp(scores) > 0.1  # not a constant model


def test_weights_halve_per_half_life_from_the_newest_training_row():
    prepared = prepare(_hourly(), target="y", time_column="t", window=None, recency_half_life="30h")
    age = (prepared.train["t"].max() - prepared.train["t"]) / pd.Timedelta("30h")
    np.testing.assert_allclose(prepared.train[WEIGHT], 0.5 ** age.to_numpy(dtype=float), rtol=1e-12)


def test_a_half_life_far_shorter_than_the_rows_spacing_is_refused_naming_it():
    with pytest.raises(ConfigError) as info:
        prepare(_hourly(300, "D"), target="y", time_column="t", window=None, recency_half_life="1h")
    message = str(info.value)
    assert "\n" not in message and "data.recency_half_life '1h'" in message, message
    hint = message.split("a half-life of at least '")[1].split("'")[0]  # the shortest that leaves 2 rows (revH1 2)
    prepare(_hourly(300, "D"), target="y", time_column="t", window=None, recency_half_life=hint)


def test_the_backtest_refuses_what_prepare_refuses():
    # daily rows, 1 h half-life: every training row but the newest weighs 2 ** -24 or less; the backtest
    # fitted and promoted models prepare_data refuses to train (it never called the check)
    config = BacktestConfig(target="y", time_column="t", window="60D", recency_half_life="1h", policy="always",
                            training=TrainingConfig(estimator="logistic_regression", seed=0),
                            gate=GateConfig.from_dict({"bootstrap_rounds": 50, "seed": 0,
                                                       "thresholds": BACKTEST_THRESHOLDS["classification"]}))
    with pytest.raises(DataValidationError) as info:
        run_backtest(_hourly(400, "D"), config)
    message = str(info.value)
    assert "no window can train" in message and "ConfigError: data.recency_half_life '1h'" in message, message
