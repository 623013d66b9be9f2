"""A regression target with one value in every training row: the fit says the model is that value (a
trivial model) and why, naming the target and its value.

Was (round 45, left alone): the note blamed the features ("gives every training row the same
prediction: it learned nothing from the features") and, with recency weights, advised "a longer
half-life gives it more", which cannot help: the target itself holds nothing to learn."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.train import core as train
from ctloop.errors import TrainingError


def _fit(y, estimator="linear_regression", weighted=False):
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({"x1": rng.normal(size=n), "c": rng.choice(["a", "b"], size=n), "y": y})
    if weighted:
        frame["_ctloop_weight"] = np.linspace(0.1, 1.0, n)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = train.fit(
            frame, target="y", task="regression", estimator=estimator, search_iterations=0
        )
    return result, [str(w.message) for w in caught]


@pytest.mark.parametrize(
    ("y", "shown", "estimator", "weighted"),
    [
        (5.0, "5.0", "linear_regression", False),
        (3, "3", "random_forest", True),
        (0.0, "0.0", "hist_gradient_boosting", True),
    ],
    ids=["float-ridge", "int-forest-weighted", "zero-hgb-weighted"],
)
def test_a_constant_regression_target_is_named_as_a_trivial_model(y, shown, estimator, weighted):
    result, warned = _fit(y, estimator, weighted)
    note = (
        f"the target 'y' has one value ({shown}) in every training row: the model predicts it for any "
        "input (a trivial model, nothing learned from the features); widen data.window or check the "
        "target column"
    )
    assert result.meta["notes"] == [f"{note} (120 rows)"]
    assert warned.count(note) == 1
    assert not any("half-life" in w for w in warned)
    np.testing.assert_allclose(
        result.model.predict(pd.DataFrame({"x1": [9.0], "c": ["b"]})), [float(y)]
    )


def test_a_varying_target_gets_no_such_note():
    result, _ = _fit(np.arange(120.0))
    assert not any("one value" in n for n in result.meta["notes"])


def test_a_single_class_is_still_refused_for_a_classifier():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x1": rng.normal(size=50), "y": 1})
    with pytest.raises(TrainingError, match="has a single class"):
        train.fit(frame, target="y", estimator="logistic_regression", search_iterations=0)
