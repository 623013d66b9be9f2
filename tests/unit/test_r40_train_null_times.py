"""Round 40 (training surface): rows without a time are dropped by prepare and now counted and said,
as rows without a target are (they fell out of the window silently: 100 rows in, 97 used, and the
summary line named duplicates and null targets only)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.components.prepare.core import describe, prepare, profile_summary


def test_rows_without_a_time_are_counted_and_said():
    rng = np.random.default_rng(0)
    x = rng.normal(size=100)
    frame = pd.DataFrame({"t": pd.date_range("2025-01-01", periods=100, freq="h").astype(str), "x": x,
                          "y": (x > 0).astype(int)})
    frame.loc[[3, 50, 99], "t"] = None
    out = prepare(frame, target="y", time_column="t", window=None)
    assert out.profile["rows_in"] == 100 and out.profile["rows_used"] == 97
    assert out.profile["null_time_dropped"] == 3
    assert profile_summary(out.profile)["null_time_dropped"] == 3
    assert "3 without a time" in describe(out)


def test_no_row_without_a_time_says_so_too():
    frame = pd.DataFrame({"t": pd.date_range("2025-01-01", periods=10, freq="h").astype(str),
                          "x": np.arange(10.0), "y": [0, 1] * 5})
    out = prepare(frame, target="y", time_column="t", window=None)
    assert out.profile["null_time_dropped"] == 0 and "0 without a time" in describe(out)
