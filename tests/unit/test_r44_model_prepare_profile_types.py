"""``prepare_data``'s column profile of an Arrow decimal column (a warehouse NUMERIC read with
``pd.read_parquet(..., dtype_backend="pyarrow")``) and of complex numbers.

Was: pandas' ``describe`` raised ``ArrowTypeError: int or Decimal object expected, got numpy.int64``
(a decimal) or ``TypeError: a must be an array of real numbers`` (complex) after every check had
passed, naming no column. Now the decimal is profiled by value (min/max/mean/std) and complex
numbers by their most frequent values."""

from __future__ import annotations

import decimal
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ctloop.components.prepare.core import prepare

N = 60


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "t": pd.date_range("2025-01-01", periods=N, freq="h"),
            "x": np.arange(N, dtype=float),
            "y": np.arange(N) % 2,
        }
    )


def test_an_arrow_decimal_column_read_from_parquet_is_profiled(tmp_path):
    path = tmp_path / "amounts.parquet"
    amounts = [decimal.Decimal(i) / 4 for i in range(N)]
    pq.write_table(
        pa.Table.from_pandas(_frame()).append_column(
            "amount", pa.array(amounts, pa.decimal128(9, 2))
        ),
        path,
    )
    frame = pd.read_parquet(path, dtype_backend="pyarrow")
    prepared = prepare(frame, target="y", time_column="t")
    entry = prepared.profile["columns"]["amount"]
    assert entry["dtype"] == "decimal128(9, 2)[pyarrow]"
    assert (entry["min"], entry["max"]) == (
        0.0,
        14.75,
    )  # of the rows used: 0 / 4 .. 59 / 4
    json.dumps(prepared.profile)


def test_a_complex_column_is_profiled_by_its_values():
    prepared = prepare(_frame().assign(z=np.arange(N) * 1j), target="y", time_column="t")
    entry = prepared.profile["columns"]["z"]
    assert entry["unique"] == N and entry["top"]["0j"] == 1
