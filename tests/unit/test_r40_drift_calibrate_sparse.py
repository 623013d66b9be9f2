"""Calibration on a column that has no values in some of the reference's random splits.

``calibrate_thresholds`` judges ``rounds`` random splits of the reference; a column with few values
(mostly null) is empty in some splits' small part, where its verdict is ``method "n/a"``, score
NaN. The calibration kept the *last* split's method for each column even when that split had no
score, then looked up that method's default threshold: ``KeyError: 'n/a'`` (a traceback from
``ctloop drift --calibrate``) whenever a sparse column's last split was an empty one. It now takes
the method from the splits that scored the column.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ctloop.cli import main
from ctloop.drift import engine


def _frames():
    rng = np.random.default_rng(0)
    n = 40
    sparse = np.full(n, np.nan)
    sparse[::4] = rng.normal(size=n // 4)  # a value in one row of four
    ref = pd.DataFrame({"x": rng.normal(size=n), "sparse": sparse})
    cur = pd.DataFrame({"x": rng.normal(size=2), "sparse": [np.nan, np.nan]})
    return ref, cur


def test_a_column_empty_in_some_splits_is_calibrated_on_the_others():
    ref, cur = _frames()
    result, calibration = engine.detect_calibrated(ref, cur, rounds=20, seed=0)
    assert calibration["sparse"]["method"] in ("ks", "z", "chisquare")
    assert calibration["sparse"]["threshold"] <= calibration["sparse"]["default"]
    by_name = {c.column: c for c in result.columns}
    assert by_name["sparse"].detail == "no values in the current data (all null/inf)"


def test_the_cli_calibrates_a_sparse_column_against_a_short_window(tmp_path, capsys):
    ref, cur = _frames()
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_parquet(tmp_path / "cur.parquet")
    code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                 "--calibrate", "20", "--min-rows", "1", "--quiet", "--no-report", "--output", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    payload = json.loads((tmp_path / "out" / "drift.json").read_text())
    assert set(payload["calibration"]) == {"x", "sparse"}
