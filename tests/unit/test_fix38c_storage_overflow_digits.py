"""A positive overflow written out in full (a 400-digit number, no exponent): Arrow's CSV reader
(pyarrow 25.0.1) reads it as inf, ``pandas.read_csv`` (pandas 2.3.3, ``float_precision=
"round_trip"``: tokenizer.c ``round_trip`` flags ``HUGE_VAL``) as text, as it does ``1e999``. The
streamed reader's pre-filter (``_NON_FINITE_LOOK``) looked only for an exponent, so such a cell
past the first block was read as inf without a word. Now it is refused as ``1e999`` is, and a
long number that is finite is read as before."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ctloop.drift import streaming
from ctloop.errors import CsvTypeChanged

BIG = "9" * 400


def _write(path, cell, row, n):
    rng = np.random.default_rng(1)
    xs = [f"{v:.6f}" for v in rng.normal(size=n)]
    xs[row] = cell
    path.write_text("a,x\n" + "".join(f"{a:.4f},{x}\n" for a, x in zip(rng.normal(size=n), xs, strict=True)))


def _streamed(path):
    src = streaming.csv_as_pandas_reads(streaming.open_source(str(path)))
    return pa.Table.from_batches([b for b, _, _ in src.batches()]).to_pandas()


def test_a_400_digit_number_is_text_to_pandas_and_a_text_cell_to_the_filter():
    assert pd.read_csv(io.StringIO(f"x\n1.5\n{BIG}\n"), float_precision="round_trip")["x"].dtype == object
    assert streaming.pandas_text_cell(BIG)
    assert list(streaming._pandas_text_cells(pa.array(["1.5", BIG, "0." + "1" * 400]))) == [(1, BIG)]


def test_a_400_digit_number_past_the_first_block_is_refused_naming_it(tmp_path):
    n = 100_000
    path = tmp_path / "late.csv"
    _write(path, BIG, n - 7, n)
    with pytest.raises(CsvTypeChanged) as caught:
        _streamed(path)
    assert (caught.value.column, caught.value.row, caught.value.value) == ("x", n - 7, BIG)


def test_a_long_finite_number_past_the_first_block_is_read_as_before(tmp_path):
    n = 100_000
    path = tmp_path / "fine.csv"
    _write(path, "1" * 300, n - 7, n)
    assert _streamed(path)["x"].iloc[n - 7] == float("1" * 300)
