"""A CSV whose header has an empty name: ``DataFrame.to_csv`` without ``index=False`` writes the
index under one. ``pandas.read_csv`` (the memory engine on a single file) names it ``Unnamed: 0``;
Arrow (the streamed engine, and the memory engine on a directory) named it ``''``: the engines
compared differently named columns, and the streamed refusal advised ``--exclude`` with an empty
name no flag can give. Both now say ``Unnamed: <position>``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.drift import streaming


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_an_index_written_csv_names_its_index_column_as_pandas_does(tmp_path, capsys, engine):
    rng = np.random.default_rng(0)
    pd.DataFrame({"x": rng.normal(0, 1, 200), "c": rng.choice(["a", "b"], 200)}).to_csv(tmp_path / "r.csv")
    pd.DataFrame({"x": rng.normal(0, 1, 200), "c": rng.choice(["a", "b"], 200)}).to_parquet(tmp_path / "c.parquet")
    args = ["drift", "--reference", str(tmp_path / "r.csv"), "--current", str(tmp_path / "c.parquet"),
            "--engine", engine, "--quiet", "--no-report"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "lacks column(s) 'Unnamed: 0'" in err and "--exclude Unnamed: 0," in err, err
    assert main([*args, "--exclude", "Unnamed: 0", "--output", str(tmp_path / engine)]) == 0
    saved = json.loads((tmp_path / engine / "drift.json").read_text())
    assert [c["column"] for c in saved["columns"]] == ["x", "c"]


def test_a_directory_of_such_files_reads_like_one_file(tmp_path):
    rng = np.random.default_rng(1)
    (tmp_path / "d").mkdir()
    for name in ("a", "b"):
        pd.DataFrame({"x": rng.normal(0, 1, 50), "t": pd.Timestamp("2026-01-01")}).to_csv(tmp_path / "d" / f"{name}.csv")
    frame, _ = streaming.read_side(str(tmp_path / "d"))
    assert list(frame.columns) == ["Unnamed: 0", "x", "t"] and len(frame) == 100
    source = streaming.csv_timestamps_as_text(streaming.open_source(str(tmp_path / "d")))
    assert source.columns == ["Unnamed: 0", "x", "t"] and source.dataset.to_table().num_rows == 100
