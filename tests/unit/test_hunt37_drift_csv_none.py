"""A numeric CSV column whose missing cells are written ``None`` (what ``str(None)`` and many
JSON-to-CSV exports write). ``pandas.read_csv`` (the memory engine) reads ``None`` as missing
(pandas 2.3.3 ``STR_NA_VALUES``), Arrow's CSV reader (pyarrow 25.0.1 ``ConvertOptions.null_values``)
does not: the streamed engine read the column as text, every float a category of its own, and
called two samples of one distribution drifted (Jensen-Shannon near 1) where the memory engine
compared numbers and found none. Now the streamed engine takes pandas' missing-value cells."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import streaming


def _write(path, seed, missing):
    rng = np.random.default_rng(seed)
    x = pd.Series(rng.normal(size=2000)).astype(object)
    x.iloc[::40] = missing
    pd.DataFrame({"a": rng.normal(size=2000), "x": x}).to_csv(path, index=False)


@pytest.mark.parametrize("missing", ["None", "<NA>"])
def test_both_engines_read_none_cells_as_missing_numbers(tmp_path, missing):
    from ctloop.cli import main

    _write(tmp_path / "ref.csv", 1, missing)
    _write(tmp_path / "cur.csv", 2, missing)
    found = {}
    for engine in ("memory", "stream"):
        out = tmp_path / engine
        assert main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "cur.csv"),
                     "--engine", engine, "--no-report", "--quiet", "--output", str(out)]) == 0
        payload = json.loads((out / "drift.json").read_text())
        found[engine] = payload
        x = next(c for c in payload["columns"] if c["column"] == "x")
        assert (x["kind"], x["method"], x["drifted"]) == ("numeric", "wasserstein", False), engine
    assert found["memory"]["drifted"] is found["stream"]["drifted"] is False


def test_the_streamed_csv_nulls_are_pandas_defaults():
    from pandas._libs.parsers import STR_NA_VALUES

    assert set(streaming.CSV_NULLS) == set(STR_NA_VALUES)
