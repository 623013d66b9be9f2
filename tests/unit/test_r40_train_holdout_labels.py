"""Round 40 (training surface): labels of the holdout rows that are no labels.

The newest rows of a window are the holdout; rows not labelled yet are often written as a blank
cell (a space in a spreadsheet's export, "" in a Parquet string column). The fit refuses blank
labels in the training rows ("leave a missing label empty"), but in the holdout rows the gate
scored them as a class of their own: every such row an error (accuracy 0.89 read 0.67, log loss 12),
its reason "holdout labels the challenger never saw in training:  (scored as errors)". Refused by
prepare in round 40; since review revB item 6 a blank label is a missing one, dropped and counted with
the null targets (test_fix40b_blank_targets.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.prepare.core import prepare

ROWS = 300


def _frame(labels) -> pd.DataFrame:
    x = np.random.default_rng(0).normal(size=ROWS)
    return pd.DataFrame({"t": pd.date_range("2025-01-01", periods=ROWS, freq="h").astype(str), "x": x,
                         "y": labels(x)})


@pytest.mark.parametrize("blank", ["", " ", "\t"])
@pytest.mark.parametrize("labels", [lambda x: np.where(x > 0, "yes", "no").astype(object),
                                    lambda x: (3 * x).astype(object)], ids=["classes", "amounts"])
def test_blank_labels_in_the_newest_rows_are_left_out_of_the_holdout(blank, labels):
    frame = _frame(labels)
    frame.loc[ROWS - 20:, "y"] = blank  # not labelled yet
    out = prepare(frame, target="y", time_column="t", window=None)
    assert out.profile["null_target_dropped"] == 20 and len(out.holdout) + len(out.train) == ROWS - 20
    assert str(out.holdout["t"].max()) == frame["t"].iloc[ROWS - 21]
