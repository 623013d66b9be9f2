"""A holdout the gate cannot read column by column (a frame handed to the gate core).

Was: a column name twice raised ``TypeError: arg must be a list, tuple, 1-d array, or Series`` (a
feature) or ``AttributeError: 'DataFrame' object has no attribute 'dtype'`` (the target); a
``gate.slice_column`` of lists raised ``TypeError: unhashable type: 'list'``. Now one line naming
the column."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train.core import fit
from ctloop.errors import ConfigError, DataSourceError


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(list("ab"), 300)})
    frame["y"] = (frame.x > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return frame, fit(
            frame, target="y", estimator="logistic_regression", search_iterations=0
        ).model


@pytest.mark.parametrize("column, position", [("x", 1), ("y", 3)])
def test_a_column_name_twice_is_named(data, column, position):
    frame, model = data
    holdout = pd.concat([frame, frame[[column]]], axis=1)
    with pytest.raises(
        DataSourceError,
        match=rf"^the holdout data: 2 columns are named '{column}' \(columns {position} and 4\): rename them$",
    ):
        evaluate.gate(
            model, holdout, target="y", task="classification", thresholds={"roc_auc": 0.5}
        )


def test_a_slice_column_of_lists_is_named(data):
    frame, model = data
    with pytest.raises(
        ConfigError,
        match=r"^gate.slice_column 'tags' holds nested values \(list; e\.g\. \[1\], 300 row\(s\)\): a slice column",
    ):
        evaluate.gate(
            model,
            frame.assign(tags=[[1]] * 300),
            target="y",
            task="classification",
            champion=model,
            thresholds={"roc_auc": 0.5},
            slice_column="tags",
        )
