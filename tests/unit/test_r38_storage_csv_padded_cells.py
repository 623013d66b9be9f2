"""A CSV cell that Arrow's CSV reader (pyarrow 25.0.1) reads as a NaN or infinite float but
``pandas.read_csv`` (pandas 2.3.3, the C parser with ``float_precision="round_trip"`` as
``ctloop.storage.read_table`` reads it) reads as text: a NaN word that is not one of pandas'
missing-value cells (``' NaN'``, ``'NaN '``, ``'NAN'``, ``'+nan'``: pandas holds only the exact
``STR_NA_VALUES`` as missing, pandas/_libs/parsers.pyx, and strips nothing without
``skipinitialspace``), an infinity word with blanks around it (``' inf'``; pandas takes only
``inf``/``infinity`` with a sign, any case, as written: ``_try_double_nogil``) and a positive
overflow (``1e999``: tokenizer.c ``round_trip`` flags ``HUGE_VAL``). Arrow trims the blanks and
parses all of them, so the streamed engine (and the memory engine on a directory, read through
Arrow) compared such a column as numbers with one missing value where the memory engine on the
file compared it as text. Now the streamed reader reads such a column as text when the cell is
in a file's first block (as pandas does) and refuses it one line naming file, column, value and
row further down (as it refuses any late text); cells both read alike (``'\\tNA'``, ``' null '``,
``'"NaN"'``, ``'inf'``) are read as before."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ctloop.drift import streaming
from ctloop.errors import CsvTypeChanged

CELLS = [" NaN", " null ", "NaN ", "\tNA", '"NaN"', '" NaN"', '"NaN "', "NAN", "+nan", " inf", "inf ", "1e999",
         "inf", "-Infinity", " 1.5 ", "-1e999"]


def _write(path, cell, seed, row=5, n=400):
    rng = np.random.default_rng(seed)
    xs = [f"{v:.6f}" for v in rng.normal(size=n)]
    xs[row] = cell
    path.write_text("a,x\n" + "".join(f"{a:.4f},{x}\n" for a, x in zip(rng.normal(size=n), xs, strict=True)))


def _pandas(path):
    from ctloop.storage import read_table

    return read_table(str(path))


def _streamed(path):
    as_pandas = getattr(streaming, "csv_as_pandas_reads", lambda source: source)  # main had none
    src = as_pandas(streaming.open_source(str(path)))
    return pa.Table.from_batches([b for b, _, _ in src.batches()]).to_pandas()


@pytest.mark.parametrize("cell", CELLS)
def test_both_engines_read_a_padded_or_odd_float_cell_alike(tmp_path, cell):
    _write(tmp_path / "ref.csv", cell, 1)
    memory, stream = _pandas(tmp_path / "ref.csv"), _streamed(tmp_path / "ref.csv")
    number = pd.api.types.is_numeric_dtype
    assert number(memory["x"].dtype) == number(stream["x"].dtype), (memory["x"].dtype, stream["x"].dtype)
    assert int(memory["x"].isna().sum()) == int(stream["x"].isna().sum())
    if not number(memory["x"].dtype):  # the same text, cell for cell
        assert memory["x"].tolist() == stream["x"].tolist()


@pytest.mark.parametrize("cell", [" NaN", '"NaN "', "NAN", " inf", "\tNA", '"NaN"'])
def test_the_drift_command_compares_the_column_as_the_same_kind_in_both_engines(tmp_path, cell):
    from ctloop.cli import main

    _write(tmp_path / "ref.csv", cell, 1)
    _write(tmp_path / "cur.csv", cell, 2)
    kinds = {}
    for engine in ("memory", "stream"):
        out = tmp_path / engine
        assert main(["drift", "--reference", str(tmp_path / "ref.csv"), "--current", str(tmp_path / "cur.csv"),
                     "--engine", engine, "--no-report", "--quiet", "--output", str(out)]) == 0
        x = next(c for c in json.loads((out / "drift.json").read_text())["columns"] if c["column"] == "x")
        kinds[engine] = (x["kind"], x["method"], x["drifted"])
    assert kinds["memory"] == kinds["stream"]


def test_a_directory_read_in_memory_reads_the_column_as_its_single_file_does(tmp_path):
    (tmp_path / "ref").mkdir()
    _write(tmp_path / "ref" / "part-0.csv", " NaN", 1)
    _write(tmp_path / "ref" / "part-1.csv", "0.5", 2)  # numbers only: text in one file is text in all
    frame, _ = streaming.read_side(str(tmp_path / "ref"))
    assert frame["x"].dtype == object and " NaN" in set(frame["x"]) and frame["x"].isna().sum() == 0


def test_a_padded_nan_past_the_first_block_is_refused_naming_it(tmp_path):
    n = 100_000  # the cell is past the first block (1 MiB) Arrow types the column from
    path = tmp_path / "late.csv"
    _write(path, " NaN", 1, row=n - 7, n=n)
    assert path.stat().st_size > 3 << 19
    assert pd.api.types.is_object_dtype(pd.read_csv(io.BytesIO(path.read_bytes()))["x"].dtype)  # pandas: text
    with pytest.raises(CsvTypeChanged) as caught:
        _streamed(path)
    assert (caught.value.file, caught.value.column, caught.value.row, caught.value.value) == \
        (str(path), "x", n - 7, " NaN")
    with pytest.raises(CsvTypeChanged):  # the memory engine on a directory reads it through Arrow too
        streaming.read_side(str(tmp_path))


def test_a_true_infinity_past_the_first_block_is_read_as_before(tmp_path):
    n = 100_000
    _write(tmp_path / "inf.csv", "-inf", 1, row=n - 7, n=n)
    assert np.isneginf(_streamed(tmp_path / "inf.csv")["x"]).sum() == 1
