"""A directory of CSV files with a date column, compared by the memory engine. A single CSV file
is read by ``pandas.read_csv`` (a date is text) and the streamed engine reads CSV dates as text
too (``csv_timestamps_as_text``), but the memory engine read a directory through Arrow, which
makes a CSV date a timestamp: the same directory's date column was compared as numbers
(seconds, ks) by the memory engine and as categories by the streamed one. Now the memory engine
reads a directory's CSV dates as text too."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd


def test_both_engines_compare_a_csv_date_column_of_a_directory_alike(tmp_path):
    from ctloop.cli import main

    for side, shift in (("ref", 0), ("cur", 3)):
        (tmp_path / side).mkdir()
        for part in range(2):
            rng = np.random.default_rng(part + shift)
            pd.DataFrame({"a": rng.normal(size=100),
                          "d": pd.date_range("2024-01-01", periods=100, freq="h") + pd.Timedelta(days=shift + part)}
                         ).to_csv(tmp_path / side / f"part-{part}.csv", index=False)
    kinds = {}
    for engine in ("memory", "stream"):
        out = tmp_path / engine
        assert main(["drift", "--reference", str(tmp_path / "ref"), "--current", str(tmp_path / "cur"),
                     "--engine", engine, "--no-report", "--quiet", "--output", str(out)]) == 0
        kinds[engine] = {c["column"]: (c["kind"], c["method"]) for c in json.loads((out / "drift.json").read_text())["columns"]}
    assert kinds["memory"] == kinds["stream"]
    assert kinds["memory"]["d"][0] == "categorical"  # as pandas.read_csv reads one of the files
