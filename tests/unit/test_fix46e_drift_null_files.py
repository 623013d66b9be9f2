"""A Parquet file whose column holds only nulls is read as the other files' type (round 46), judged
by its footer. Review 46 (fix E) found three faults there: a null file of a type Arrow cannot read
as the others' (a timestamp beside doubles) was dropped anyway, so reading failed with a raw
``ArrowNotImplementedError``; a footer whose null count equals the rows while it also gives a
min/max (the values are there) was believed, so real values were read as another type silently;
and each file's check walked every fragment again (quadratic in files)."""

from __future__ import annotations

import dataclasses
import io
import struct

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.drift import streaming
from ctloop.errors import DataSourceError


def test_an_all_null_timestamp_file_beside_doubles_is_refused_in_one_line(tmp_path):
    pq.write_table(pa.table({"a": pa.array([0.5, 1.5, 2.5])}), tmp_path / "p0.parquet")
    pq.write_table(pa.table({"a": pa.nulls(3, pa.timestamp("us"))}), tmp_path / "p1.parquet")
    with pytest.raises(DataSourceError, match=r"column 'a' is double in .*p0\.parquet but timestamp\[us\] in .*p1"):
        streaming.open_source(str(tmp_path)).check_files(["a"])


def test_an_all_null_text_file_beside_doubles_is_still_read_as_doubles(tmp_path):
    pq.write_table(pa.table({"a": pa.array([0.5, 1.5, 2.5])}), tmp_path / "p0.parquet")
    pq.write_table(pa.table({"a": pa.nulls(3, pa.string())}), tmp_path / "p1.parquet")
    table = streaming.open_source(str(tmp_path)).check_files(["a"]).dataset.to_table()
    assert table.schema.field("a").type == pa.float64()
    assert sorted(table["a"].to_pylist(), key=lambda v: (v is None, v)) == [0.5, 1.5, 2.5, None, None, None]


def _lying_footer(values: list[float]) -> bytes:
    """A Parquet file of ``values`` whose footer says every row is null (its null_count patched to
    the rows) while it keeps the min/max: the Thrift field-6 varint of the column's statistics."""
    buf = io.BytesIO()
    pq.write_table(pa.table({"a": pa.array(values)}), buf, compression="none")
    data = bytearray(buf.getvalue())
    footer = len(data) - 8 - struct.unpack("<i", data[-8:-4])[0]
    for offset in range(footer, len(data) - 8):
        if data[offset] & 0x0F == 6 and data[offset + 1] == 0:  # null_count: 0 (zigzag varint)
            patched = bytearray(data)
            patched[offset + 1] = 2 * len(values)
            try:
                stats = pq.ParquetFile(io.BytesIO(bytes(patched))).metadata.row_group(0).column(0).statistics
            except (OSError, pa.ArrowException):
                continue
            if stats is not None and stats.null_count == len(values) and stats.has_min_max:
                return bytes(patched)
    raise AssertionError("no null count to patch")


def test_a_footer_claiming_only_nulls_beside_min_max_is_not_believed(tmp_path):
    pq.write_table(pa.table({"a": pa.array(["x", "y"] * 5)}), tmp_path / "p0.parquet")
    (tmp_path / "p1.parquet").write_bytes(_lying_footer([i + 0.5 for i in range(10)]))
    assert pq.read_table(tmp_path / "p1.parquet")["a"].to_pylist()[:2] == [0.5, 1.5]  # the values are there
    with pytest.raises(DataSourceError, match=r"column 'a' is double in .*p1\.parquet but string in .*p0"):
        streaming.open_source(str(tmp_path)).check_files(["a"])


class _CountingDataset:
    """A pyarrow dataset that counts ``get_fragments`` calls (everything else is the dataset's)."""

    def __init__(self, dataset):
        self._dataset, self.calls = dataset, 0

    def get_fragments(self, *args, **kwargs):
        self.calls += 1
        return self._dataset.get_fragments(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._dataset, name)


def test_the_fragments_are_listed_once_however_many_null_files(tmp_path):
    pq.write_table(pa.table({"a": pa.array([0.5])}), tmp_path / "p000.parquet")
    for i in range(1, 30):
        pq.write_table(pa.table({"a": pa.nulls(1, pa.string())}), tmp_path / f"p{i:03}.parquet")
    source = streaming.open_source(str(tmp_path))
    counting = _CountingDataset(source.dataset)
    checked = dataclasses.replace(source, dataset=counting).check_files(["a"])
    assert checked.dataset.schema.field("a").type == pa.float64()
    assert counting.calls <= 3  # the file schemas, the footers, the widened dataset: not one per file
