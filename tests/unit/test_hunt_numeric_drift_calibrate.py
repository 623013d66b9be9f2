"""``ctloop drift --calibrate`` on a numeric column with at most 5 distinct values (a constant, a 0/1
flag stored as float). evidently's automatic choice gives such a column chi-square or Z
(``registry._get_default_stattest``), which an explicit request may not name for a numeric column.
The calibration pinned each column's automatic method as an explicit ``column_methods`` entry, so
it refused its own choice: exit 2 with "column_methods['const'] = 'z' does not apply to numeric
column 'const'", naming a setting the user never gave. Now the pinned choice is not a request."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine


def _frames(n=400):
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"const": np.full(n, 2.0), "flag": (rng.random(n) < 0.3).astype(float),
                        "x": rng.normal(size=n)})
    cur = pd.DataFrame({"const": np.full(n, 2.0), "flag": (rng.random(n) < 0.3).astype(float),
                        "x": rng.normal(size=n)})
    return ref, cur


def test_the_cli_calibrates_low_cardinality_numeric_columns(tmp_path, capsys):
    from ctloop.cli import main

    ref, cur = _frames()
    ref.to_parquet(tmp_path / "r.parquet")
    cur.to_parquet(tmp_path / "c.parquet")
    out = tmp_path / "out"
    code = main(["drift", "--reference", str(tmp_path / "r.parquet"), "--current", str(tmp_path / "c.parquet"),
                 "--calibrate", "5", "--engine", "memory", "--no-report", "--quiet", "--output", str(out)])
    assert code == 0, capsys.readouterr().err
    columns = {c["column"]: c for c in json.loads((out / "drift.json").read_text())["columns"]}
    assert (columns["const"]["kind"], columns["const"]["method"]) == ("numeric", "z")
    assert (columns["flag"]["kind"], columns["flag"]["method"]) == ("numeric", "z")
    assert columns["x"]["method"] == "ks"


def test_the_calibrated_result_keeps_the_automatic_methods_and_scores():
    ref, cur = _frames()
    plain = engine.detect(ref, cur)
    result, calibration = engine.detect_calibrated(ref, cur, rounds=5)
    assert [(c.column, c.kind, c.method, c.score) for c in result.columns] == \
        [(c.column, c.kind, c.method, c.score) for c in plain.columns]
    assert calibration["flag"]["method"] == "z"


def test_a_requested_z_on_a_numeric_column_is_still_refused():
    ref, cur = _frames()
    with pytest.raises(engine.ConfigError, match=r"column_methods\['flag'\] = 'z' does not apply to numeric"):
        engine.detect(ref, cur, column_methods={"flag": "z"})
