"""Round 46, drift: an all-null Arrow chunk of another type is an empty stretch in the streamed
engine (a pandas chunk of nulls already was), also after a value-ranged column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ctloop.drift import streaming
from ctloop.errors import DriftError


# --------------------------------------------------------------- all-null Arrow chunks
@pytest.mark.parametrize(
    "first, empty",
    [
        (pa.array(np.linspace(0, 1, 50)), pa.array([None] * 5, pa.string())),
        (pa.array(np.arange(50)), pa.array([None] * 5, pa.large_string())),
        (pa.array(["a", "b"] * 25), pa.array([None] * 5, pa.float64())),
        (pa.array(np.linspace(0, 1, 50)), pa.array([None] * 5, pa.timestamp("us"))),
    ],
    ids=[
        "double-then-null-string",
        "int-then-null-large-string",
        "string-then-null-double",
        "double-then-null-timestamp",
    ],  # fmt: skip
)
def test_an_all_null_arrow_chunk_of_another_type_is_an_empty_stretch(first, empty):
    # was refused: "column 'x' holds text in this chunk (string) but numbers before (double)";
    # the same chunks as pandas frames were counted as nulls
    arrow = streaming.DriftState().update(pa.table({"x": first})).update(pa.table({"x": empty}))
    frames = streaming.DriftState().update(pa.table({"x": first}).to_pandas())
    frames.update(pa.table({"x": empty}).to_pandas())
    for state in (arrow, frames):
        col = state.columns["x"]
        assert (col.rows, col.nulls) == (55, 5)
    assert arrow.columns["x"].family == streaming.arrow_family(first.type)  # the values' type, kept


def test_an_all_null_arrow_string_chunk_after_a_value_ranged_column():
    rng = np.random.default_rng(11)
    state = streaming.DriftState(sketch_size=64)
    state.update(pd.DataFrame({"x": rng.normal(size=500)}))
    state.update(pd.DataFrame({"x": pd.Series([1.5, 2.5, None], dtype=object)}))
    assert state.columns["x"].ranged
    state.update(pa.table({"x": pa.array([None, None], pa.string())}))
    assert (state.columns["x"].rows, state.columns["x"].nulls) == (505, 3)


def test_a_column_empty_so_far_is_typed_by_its_first_arrow_values():
    # a first file whose string column holds only nulls, then numbers: typed by the numbers
    state = streaming.DriftState().update(pa.table({"x": pa.array([None] * 3, pa.string())}))
    state.update(pa.table({"x": pa.array([0.5, 1.5])}))
    col = state.columns["x"]
    assert (col.family, col.rows, col.nulls) == (streaming.FLOAT, 5, 3)
    with pytest.raises(
        DriftError, match="holds text in this chunk"
    ):  # real text after numbers: still refused
        state.update(pa.table({"x": pa.array(["a", None])}))
    assert state.columns["x"].rows == 5  # the refused chunk changed nothing


# --------------------------------------------------------------- the same, as Parquet files of a side
def _side(path, tables: dict[str, pa.Table]) -> str:
    import pyarrow.parquet as pq

    path.mkdir()
    for name, table in tables.items():
        pq.write_table(table, path / name)
    return str(path)


@pytest.mark.parametrize("null_first", [False, True], ids=["numbers-first", "nulls-first"])
def test_a_parquet_file_of_an_all_null_string_column_joins_number_files(
    tmp_path, null_first, capsys
):
    # was refused by the file check: "column 'a' is double in .../p1.parquet but string in
    # .../p2.parquet: every file must hold the same kind of values there"
    from ctloop.cli import main

    rng = np.random.default_rng(5)
    ref = _side(
        tmp_path / "ref",
        {"p1.parquet": pa.table({"a": rng.normal(size=80), "b": rng.normal(size=80)})},
    )
    empty = pa.table({"a": pa.array([None] * 20, pa.string()), "b": rng.normal(size=20)})
    full = pa.table({"a": rng.normal(size=80), "b": rng.normal(size=80)})
    files = (
        {"p1.parquet": empty, "p2.parquet": full}
        if null_first
        else {"p1.parquet": full, "p2.parquet": empty}
    )
    cur = _side(tmp_path / "cur", files)
    lines = {}
    for engine in ("memory", "stream"):
        code = main(
            ["drift", "--reference", ref, "--current", cur, "--engine", engine, "--no-report"]
        )
        out = capsys.readouterr().out
        assert code in (0, 1), out
        lines[engine] = [line for line in out.splitlines() if line.startswith(("a ", "b "))]
    assert lines["memory"] == lines["stream"] and len(lines["memory"]) == 2
    assert lines["memory"][0].split()[1:3] == ["numeric", "ks"]


def test_a_parquet_file_of_real_text_beside_number_files_is_still_refused(tmp_path, capsys):
    from ctloop.cli import main

    rng = np.random.default_rng(6)
    ref = _side(tmp_path / "ref", {"p1.parquet": pa.table({"a": rng.normal(size=40)})})
    cur = _side(
        tmp_path / "cur",
        {
            "p1.parquet": pa.table({"a": rng.normal(size=40)}),
            "p2.parquet": pa.table({"a": ["x", None]}),
        },
    )
    code = main(["drift", "--reference", ref, "--current", cur, "--no-report"])
    assert code == 2
    assert "every file must hold the same kind of values" in capsys.readouterr().err
