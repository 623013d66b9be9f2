"""A table with too few usable rows for any window (``prepare_data``'s core).

Was (round 44): a table of one row (or of rows whose targets are all empty but one) was refused
as "window (2023-07-05 .. 2024-01-01] selects 1 usable row(s) but at least 2 are needed ...: widen
`window` or move `as_of`", advice no window or ``as_of`` can follow. Now the data's own count is
named; a window that selects too few of enough rows keeps its advice."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.errors import DataValidationError


def _frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts": pd.date_range("2024-01-01", periods=rows, freq="D"),
            "x": np.arange(rows, dtype=float),
            "y": np.arange(rows) % 2,
        }
    )


@pytest.mark.parametrize(
    "data, shown",
    [
        (_frame(1), "1 usable row(s) of 1"),
        (
            pd.concat([_frame(1)] * 3, ignore_index=True),
            "1 usable row(s) of 3",
        ),  # one row three times
        (
            _frame(5).assign(y=[0, None, None, None, None]),
            "1 usable row(s) of 5",
        ),  # labels not arrived yet
    ],
    ids=["one-row", "duplicates", "unlabelled"],
)
def test_too_few_rows_in_the_data_are_named_not_a_window(data, shown):
    with pytest.raises(
        DataValidationError,
        match=rf"column '\*' breaks rule 'min_rows' in 1 row\(s\): the data holds "
        rf"{re.escape(shown)} \(rows with a target and a time, duplicates "
        r"dropped\) but at least 2 are needed .*: no window selects more; "
        r"add rows$",
    ):
        prepare(data, target="y", time_column="ts")


def test_a_window_too_short_for_enough_rows_keeps_its_advice():
    with pytest.raises(
        DataValidationError,
        match=r"window \(.*\] selects 1 usable row\(s\) but at least 2 are needed; "
        r"the data spans .*: widen `window` or move `as_of`",
    ):
        prepare(_frame(30), target="y", time_column="ts", window="1D")
