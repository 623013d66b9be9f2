"""Round 40 (training surface): labels of the holdout rows that are no labels.

The newest rows of a window are the holdout; rows not labelled yet are often written as a blank
cell (a space in a spreadsheet's export, "" in a Parquet string column). The fit refuses blank
labels in the training rows ("leave a missing label empty"), but in the holdout rows the gate
scored them as a class of their own: every such row an error (accuracy 0.89 read 0.67, log loss 12),
its reason "holdout labels the challenger never saw in training:  (scored as errors)"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.errors import DataValidationError

ROWS = 300


def _frame(labels) -> pd.DataFrame:
    x = np.random.default_rng(0).normal(size=ROWS)
    return pd.DataFrame({"t": pd.date_range("2025-01-01", periods=ROWS, freq="h").astype(str), "x": x,
                         "y": labels(x)})


@pytest.mark.parametrize("blank", ["", " ", "\t"])
@pytest.mark.parametrize("labels", [lambda x: np.where(x > 0, "yes", "no").astype(object),
                                    lambda x: (3 * x).astype(object)], ids=["classes", "amounts"])
def test_blank_labels_in_the_newest_rows_are_refused_by_prepare(blank, labels):
    frame = _frame(labels)
    frame.loc[ROWS - 20:, "y"] = blank  # not labelled yet
    with pytest.raises(DataValidationError) as info:
        prepare(frame, target="y", time_column="t", window=None)
    message = str(info.value)
    assert "\n" not in message and "column 'y'" in message and "20 row(s) have a blank label" in message, message
    assert "2025-01-12 16:00:00" in message  # where the first of them is
