"""The gate names the column of an infinite value in the holdout (a holdout written by hand, or a
champion's feature the challenger's data contract no longer checks).

Was: "the challenger cannot score the holdout data: Input X contains infinity or a value too large
for dtype('float64')." (scikit-learn), naming no column."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train import core as train
from ctloop.errors import EvaluationError


def test_an_infinite_holdout_value_is_named_by_column():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x1": rng.normal(size=200), "a": rng.choice(["u", "v"], 200)})
    frame["y"] = rng.integers(0, 2, 200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = train.fit(
            frame, target="y", estimator="logistic_regression", search_iterations=0
        ).model
    holdout = frame.iloc[:50].assign(x1=np.r_[np.inf, -np.inf, frame.x1.iloc[2:50]])
    with pytest.raises(
        EvaluationError,
        match=r"^the model cannot score the holdout data: column 'x1' is infinite \(inf/-inf\) in 2 row\(s\): "
        r"replace them with a number or leave them empty \(null\) \(the model: Input X contains infinity",
    ):
        evaluate.score(model, holdout, target="y", task="classification")
