"""A column int64 in one Parquet file and uint64 in another was promoted to int64 (Arrow's permissive
promotion, pyarrow 25.0.1), and a uint64 value above 2**63-1 made the read fail with a raw
"ArrowInvalid: Integer value … not in range" (review 41 item 8). No integer type holds both, and a
float64 cast refuses values above 2**53: the column is now read as decimal(20, 0) from every file, as
Spark reads Parquet UINT_64 (``ParquetSchemaConverter``, Spark 3.5); the engines compare it as float64,
as pandas concatenates the pair (``np.promote_types(int64, uint64)`` is float64)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ctloop.drift import streaming


def test_int64_and_uint64_files_read_as_decimal_20_0(tmp_path):
    pq.write_table(pa.table({"a": pa.array([1, -2], pa.int64())}), tmp_path / "p0.parquet")
    pq.write_table(pa.table({"a": pa.array([2**63 + 5], pa.uint64())}), tmp_path / "p1.parquet")
    source = streaming.open_source(str(tmp_path)).check_files()
    table = source.dataset.to_table()
    assert table.schema.field("a").type == pa.decimal128(20, 0)
    assert sorted(int(v) for v in table["a"].to_pylist()) == [-2, 1, 2**63 + 5]
    assert streaming.arrow_family(table.schema.field("a").type) == streaming.arrow_family(
        pa.from_numpy_dtype(np.promote_types(np.int64, np.uint64)))  # compared as float64, as pandas reads it


def test_uint32_and_int64_still_read_as_int64(tmp_path):
    pq.write_table(pa.table({"a": pa.array([1], pa.int64())}), tmp_path / "p0.parquet")
    pq.write_table(pa.table({"a": pa.array([2**32 - 1], pa.uint32())}), tmp_path / "p1.parquet")
    table = streaming.open_source(str(tmp_path)).check_files().dataset.to_table()
    assert table.schema.field("a").type == pa.int64()
    assert sorted(table["a"].to_pylist()) == [1, 2**32 - 1]
