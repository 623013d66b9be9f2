"""The gate's comparison of a regressor with itself (lower-is-better metric: the sign flips).

Was: ``delta -0.0000 (CI +0.0000..-0.0000, ...)``: ``-1.0 * 0.0`` is ``-0.0``, so the interval read
upside down in the reason and the Markdown report. Now a zero difference is ``+0.0000``."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train.core import fit


@pytest.mark.parametrize("metric", ["rmse", "mae", "log_loss"])
def test_a_zero_difference_is_positive_zero(metric):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200)})
    task = "classification" if metric == "log_loss" else "regression"
    frame["y"] = (
        (frame.x > 0).astype(int)
        if task == "classification"
        else frame.x * 3 + rng.normal(size=200)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = fit(
            frame,
            target="y",
            task=task,
            estimator="logistic_regression" if task == "classification" else "linear_regression",
            search_iterations=0,
        ).model
    decision = evaluate.gate(
        model,
        frame,
        target="y",
        task=task,
        champion=model,
        thresholds={metric: 1e9},
        primary_metric=metric,
        bootstrap_rounds=50,
    )
    comp = decision.comparison
    assert all(
        comp[k] == 0 and math.copysign(1.0, comp[k]) == 1.0 for k in ("delta", "ci_low", "ci_high")
    )
    assert (
        f"vs champion: {metric} delta +0.0000 (CI +0.0000..+0.0000, tolerance 0.01) passed"
        in decision.reason
    )
