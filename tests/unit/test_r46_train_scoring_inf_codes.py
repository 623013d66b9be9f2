"""Batch scoring an infinite value in a Parquet float column for a feature trained on codes held as
numbers (a category column of 1..3): refused in one line naming the column and the row, as an
infinite value of a numeric feature is.

Was: "data: m v1 cannot score rows 0..3 of ...: Input X contains infinity or a value too large for
dtype('float64')." (scikit-learn's one-hot encoder), naming no column."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop import scoring
from ctloop.components.train import core as train
from ctloop.errors import DataSourceError


def test_inf_for_codes_held_as_numbers_names_the_column_and_row(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"x1": rng.normal(size=300), "grade": pd.Categorical(rng.choice([1, 2, 3], 300))}
    )
    frame["y"] = rng.integers(0, 2, 300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train.fit(frame, target="y", estimator="logistic_regression", search_iterations=0)
    scorer = scoring.Scorer(
        result.model, "m", "1", "champion", result.meta["features"], result.meta["numeric"]
    )
    path = tmp_path / "in.parquet"
    pd.DataFrame({"x1": [0.1, 0.2, 0.3], "grade": [1.0, 2.0, np.inf]}).to_parquet(path)
    with pytest.raises(
        DataSourceError,
        match=rf"^data: m v1 cannot score rows 1\.\.3 of {re.escape(str(path))}: column 'grade' is inf in 1 "
        r"row\(s\), first row 3 \(the model: Input X contains infinity",
    ):
        scoring.score(scorer, str(path), str(tmp_path / "out"), run_id="r", log_root="")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
