"""Round 40 (training surface): classes written another way in the newest rows of the window.

The producer began writing 'YES'/'NO' where the older rows say 'yes'/'no'. The fit refuses two
spellings of a class in its rows, and ``ctloop backtest`` in any row of the data; but when the new
spelling was only in the holdout rows (the newest), prepare passed and the gate scored every such
row as a class the challenger never saw: every one an error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.errors import DataValidationError


def _frame() -> pd.DataFrame:
    x = np.random.default_rng(0).normal(size=300)
    return pd.DataFrame({"t": pd.date_range("2025-01-01", periods=300, freq="h").astype(str), "x": x,
                         "y": np.where(x > 0, "yes", "no").astype(object)})


def test_a_second_spelling_in_the_newest_rows_is_refused_by_prepare():
    frame = _frame()
    frame.loc[280:, "y"] = frame.loc[280:, "y"].str.upper()
    with pytest.raises(DataValidationError) as info:
        prepare(frame, target="y", time_column="t", window=None)
    message = str(info.value)
    assert "\n" not in message and "column 'y'" in message and "'YES' and 'yes'" in message, message


@pytest.mark.parametrize("labels", [["A", "a", "b"], ["yes", "no"], [0, 1]])
def test_distinct_classes_still_prepare(labels):
    frame = _frame()
    frame["y"] = [labels[i % len(labels)] for i in range(len(frame))]
    assert prepare(frame, target="y", time_column="t", window=None).profile["rows_used"] == 300
