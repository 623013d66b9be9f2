"""``streaming.state_of`` on a CSV path (the fan-out docs/drift.md shows: a state per partition,
merged, then compared) read the file as Arrow reads it, where ``detect_sources`` (``ctloop
drift``) reads CSV dates and cells as ``pandas.read_csv`` does (``csv_timestamps_as_text``,
``csv_as_pandas_reads``): a date column was summarised as timestamps and a column with a
``' NaN'`` cell as numbers, so a fanned-out state held other kinds than ``ctloop drift``'s state
of the same file. Now ``state_of`` reads a path as ``detect_sources`` does."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.drift import streaming


def test_state_of_a_csv_path_holds_the_kinds_detect_sources_compares(tmp_path):
    rng = np.random.default_rng(0)
    x = pd.Series(rng.normal(size=200)).map("{:.5f}".format)
    x.iloc[3] = " NaN"
    pd.DataFrame({"a": rng.normal(size=200), "x": x,
                  "d": pd.date_range("2024-01-01", periods=200, freq="h")}).to_csv(tmp_path / "p.csv", index=False)
    fanned = streaming.state_of(str(tmp_path / "p.csv"))
    run = streaming.detect_sources(str(tmp_path / "p.csv"), str(tmp_path / "p.csv"))
    for name in ("a", "x", "d"):
        assert (fanned.columns[name].numeric is None) == (run.reference.columns[name].numeric is None), name
    assert fanned.columns["x"].numeric is None and fanned.columns["d"].numeric is None
