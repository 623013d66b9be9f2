"""A CSV column empty in a file's first block (Arrow infers its type from the first 1 MiB,
pyarrow 25.0.1 ``ReadOptions.block_size``) and filled further down: the streamed engine typed it
by the first value it met and could not take it at all. Its null-typed first batches made the
drift state's column null, and the first batch of numbers was refused ("column 'late' is double
in this chunk but null before"), where the memory engine (``pandas.read_csv``) reads the column
as float64. A first number followed by a text value further down was refused as a type change,
where pandas reads the column as text. Now the column is typed from all its values in the file
(float64 when all are numbers, else text) and its empty rows count as missing values, so both
engines read it the same way and agree."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa

from ctloop.drift import streaming

N = 30_000
FILLED_FROM = 27_000  # past the first MiB of the file: the first block holds no value of 'late'


def _write(path, late, seed):
    rng = np.random.default_rng(seed)
    pd.DataFrame({"a": rng.normal(size=N), "pad": ["p" * 30] * N, "late": late}).to_csv(path, index=False)


def _late_numbers(seed):
    late = np.full(N, np.nan)
    late[FILLED_FROM:] = np.random.default_rng(seed + 10).integers(0, 6, size=N - FILLED_FROM) * 0.5
    return late


def _run(tmp_path, ref, cur, engine):
    from ctloop.cli import main

    out = tmp_path / f"out-{engine}"
    code = main(["drift", "--reference", str(ref), "--current", str(cur), "--engine", engine, "--columns", "a,late",
                 "--no-report", "--quiet", "--output", str(out)])
    assert code == 0
    return {c["column"]: c for c in json.loads((out / "drift.json").read_text())["columns"]}


def test_a_numeric_column_filled_late_is_streamed_as_numbers(tmp_path):
    _write(tmp_path / "ref.csv", np.random.default_rng(5).integers(0, 6, size=N) * 0.5, 1)
    _write(tmp_path / "cur.csv", _late_numbers(2), 2)
    memory = _run(tmp_path, tmp_path / "ref.csv", tmp_path / "cur.csv", "memory")
    stream = _run(tmp_path, tmp_path / "ref.csv", tmp_path / "cur.csv", "stream")
    assert memory["late"]["kind"] == stream["late"]["kind"] == "numeric"
    assert stream["late"]["method"] == memory["late"]["method"]
    assert abs(stream["late"]["score"] - memory["late"]["score"]) < 1e-9


def test_a_column_filled_late_with_a_text_value_further_down_is_text_in_both_engines(tmp_path):
    for name, seed in (("ref.csv", 1), ("cur.csv", 2)):
        late = pd.Series(_late_numbers(seed)).astype(object)
        late.iloc[N - 3] = "unknown"  # a number first, text further down: pandas reads the column as text
        _write(tmp_path / name, late, seed)
    memory = _run(tmp_path, tmp_path / "ref.csv", tmp_path / "cur.csv", "memory")
    stream = _run(tmp_path, tmp_path / "ref.csv", tmp_path / "cur.csv", "stream")
    assert memory["late"]["kind"] == stream["late"]["kind"] == "categorical"
    assert abs(stream["late"]["score"] - memory["late"]["score"]) < 1e-12


def test_the_drift_state_takes_the_values_type_after_an_empty_stretch():
    state = streaming.DriftState().define(pa.schema([("late", pa.null())]))
    state.update(pa.record_batch([pa.nulls(4)], names=["late"]))
    state.update(pa.record_batch([pa.array([1.5, None, 2.5])], names=["late"]))
    state.update(pa.record_batch([pa.nulls(2)], names=["late"]))  # an empty stretch later on
    col = state.columns["late"]
    assert (col.kind(), col.rows, col.nulls, col.values) == ("numeric", 9, 7, 2)


def test_numbers_with_blanks_around_them_filled_late_are_numbers_too(tmp_path):
    _write(tmp_path / "ref.csv", np.random.default_rng(5).integers(0, 6, size=N) * 0.5, 1)
    late = pd.Series(_late_numbers(2)).map(lambda v: "" if v != v else f" {v}")  # ' 1.5': pandas reads a number
    _write(tmp_path / "cur.csv", late, 2)
    memory = _run(tmp_path, tmp_path / "ref.csv", tmp_path / "cur.csv", "memory")
    stream = _run(tmp_path, tmp_path / "ref.csv", tmp_path / "cur.csv", "stream")
    assert memory["late"]["kind"] == stream["late"]["kind"] == "numeric"
    assert abs(stream["late"]["score"] - memory["late"]["score"]) < 1e-9
