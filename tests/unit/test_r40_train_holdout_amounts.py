"""Round 40 (training surface): a regression holdout's target holding text is named as the target."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate.core import gate
from ctloop.components.train.core import fit
from ctloop.errors import DataValidationError

ROWS = 300


def _frame(labels) -> pd.DataFrame:
    x = np.random.default_rng(0).normal(size=ROWS)
    return pd.DataFrame({"t": pd.date_range("2025-01-01", periods=ROWS, freq="h").astype(str), "x": x,
                         "y": labels(x)})


def test_a_regression_holdout_target_with_text_names_the_target_not_the_features():
    # was "the challenger cannot score the holdout data: could not convert string to float: 'n/a'"
    frame = _frame(lambda x: 3 * x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = fit(frame.iloc[:240].drop(columns="t"), target="y", task="regression",
                    estimator="hist_gradient_boosting").model
    holdout = frame.iloc[240:].drop(columns="t").astype({"y": object})
    holdout.loc[holdout.index[-5:], "y"] = "n/a"
    with pytest.raises(DataValidationError) as info:
        gate(model, holdout, target="y", task="regression", thresholds={"rmse": 5})
    message = str(info.value)
    assert "\n" not in message and "column 'y'" in message and "'n/a'" in message and "5 row(s)" in message, message
    assert "cannot score" not in message
