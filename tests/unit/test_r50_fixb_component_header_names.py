"""A column named twice in the frame handed to the gate (``evaluate.gate``) or the fit (``train.fit``)
is a header's problem: no row breaks a rule. Both still said it as a broken rule counted in rows
("column 'x' breaks rule 'unique_name' in 300 row(s): the holdout data has this column more than
once", and 'unique_columns' for the training data), the wording commit dce4d85e replaced in
``contract.check_column_names``. Now the contract's one line, naming the column and its positions,
after the data it is in (review 50 B item 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train import core as train
from ctloop.errors import DataSourceError

ROWS = 40


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"x": rng.normal(size=ROWS), "c": rng.choice(list("ab"), ROWS), "y": np.arange(ROWS) % 2}
    )


def test_the_gate_names_a_repeated_column_and_its_positions_not_rows():
    holdout = pd.concat([_frame(), _frame()[["x"]]], axis=1)
    with pytest.raises(DataSourceError) as err:  # the header is checked before any model is read
        evaluate.gate(
            object(), holdout, target="y", task="classification", thresholds={"roc_auc": 0.5}
        )
    # on main: "data contract violated (1 rule(s)): column 'x' breaks rule 'unique_name' in 40 row(s): ..."
    assert (
        str(err.value) == "the holdout data: 2 columns are named 'x' (columns 1 and 4): rename them"
    )


def test_the_fit_names_a_repeated_column_and_its_positions_not_rows():
    frame = _frame()
    frame.columns = ["c", "c", "y"]
    with pytest.raises(DataSourceError) as err:
        train.fit(frame, target="y")
    # on main: "... column 'c' breaks rule 'unique_columns' in 40 row(s): the training data has this column ..."
    assert (
        str(err.value)
        == "the training data: 2 columns are named 'c' (columns 1 and 2): rename them"
    )
