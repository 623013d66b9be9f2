"""Round 40 (training surface): the sample-weight column's refusals name it with a plain value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.columns import WEIGHT
from ctloop.components.train.core import fit
from ctloop.errors import DataValidationError


def _frame(weight) -> pd.DataFrame:
    x = np.random.default_rng(0).normal(size=60)
    return pd.DataFrame({"x": x, "y": (x > 0).astype(int), WEIGHT: weight})


def test_a_negative_weight_is_shown_as_written():
    # was "values like np.float64(-1.0) are not sample weights"
    with pytest.raises(DataValidationError) as info:
        fit(_frame(-1.0), target="y", estimator="logistic_regression")
    assert "values like -1.0 are not" in str(info.value), str(info.value)


def test_weights_that_are_all_zero_are_refused_naming_the_column():
    # was TrainingError "fitting hist_gradient_boosting failed: Sample weights must contain at least one
    # non-zero number", naming no column
    with pytest.raises(DataValidationError) as info:
        fit(_frame(0.0), target="y")
    message = str(info.value)
    assert f"column {WEIGHT!r}" in message and "every row" in message and "\n" not in message, message
