"""Round 46, drift: Parquet files written from frames whose column names are not text (numbers
``0``, ``1``; MultiIndex columns ``('a', 'x')``) read with the file's names in both engines of
``ctloop drift``. pandas' metadata gave the memory engine ``0`` and ``('a', 'x')`` back while the
streamed engine (its states, its report sample) read ``'0'`` and ``"('a', 'x')"``: drift.json
named one column two ways (``"column": 0`` vs ``"column": "0"``), ``--columns 0`` was refused by
the memory engine (``drift column '0' is missing from the reference data (it has: 0, 1)``), and
the streamed engine's report failed (``KeyError: "None of [Index(['0', '1'] ...``, exit code 1)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.drift import streaming


def _files(tmp_path, columns) -> tuple[str, str]:
    rng = np.random.default_rng(46)
    ref = pd.DataFrame(rng.normal(size=(120, 2)), columns=columns)
    cur = pd.DataFrame(rng.normal(1.0, size=(120, 2)), columns=columns)
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_parquet(tmp_path / "cur.parquet")
    return str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet")


def _names(tmp_path, ref, cur, engine, *extra) -> list:
    out = tmp_path / f"out-{engine}"
    args = ["drift", "--reference", ref, "--current", cur, "--engine", engine, "--quiet"]
    code = main([*args, "--output", str(out), *extra])
    assert code == 0
    return [c["column"] for c in json.loads((out / "drift.json").read_text())["columns"]]


@pytest.mark.parametrize(
    "columns, names",
    [
        ([0, 1], ["0", "1"]),
        (pd.MultiIndex.from_tuples([("a", "x"), ("a", 1)]), ["('a', 'x')", "('a', '1')"]),
    ],
    ids=["numbers", "multiindex"],
)
def test_both_engines_name_the_columns_as_the_file_does(tmp_path, columns, names):
    ref, cur = _files(tmp_path, columns)
    assert _names(tmp_path, ref, cur, "memory", "--no-report") == names
    assert _names(tmp_path, ref, cur, "stream", "--no-report") == names


def test_a_number_named_column_is_chosen_by_its_text_in_both_engines(tmp_path):
    ref, cur = _files(tmp_path, [0, 1])
    for engine in ("memory", "stream"):
        assert _names(tmp_path, ref, cur, engine, "--no-report", "--columns", "1") == ["1"]


def test_the_streamed_report_renders_number_named_columns(tmp_path):
    ref, cur = _files(tmp_path, [0, 1])
    assert _names(tmp_path, ref, cur, "stream") == ["0", "1"]
    assert (tmp_path / "out-stream" / "report.html").stat().st_size > 10_000


def test_file_column_name_is_pyarrows_text():
    import pyarrow as pa

    frame = pd.DataFrame([[1, 2, 3, 4]], columns=[None, 1.5, ("a", 1), b"x"])
    with pytest.warns(UserWarning):  # pyarrow: "column names of mixed type"
        written = pa.Table.from_pandas(frame).column_names
    assert [streaming.file_column_name(c) for c in frame.columns] == written
