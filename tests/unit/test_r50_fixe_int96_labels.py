"""A Spark label file's INT96 ``label_time`` is read in microseconds by ``ingest_labels`` (review 50, item 4):
its batches are read through ``inference_log.reader.open_parquet``, which read INT96 in pyarrow's default
nanoseconds (``coerce_int96_timestamp_unit=None``, pyarrow 25.0.1: ``pyarrow/_parquet.pyx``
``ParquetReader.open``), so a ``9999-12-31`` wrapped to ``1816-03-29 05:56:08.066277376`` and was stored
as that, without a word; ``read_table`` had read it right since round 50 (``storage.INT96_UNIT``)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.errors import DataValidationError
from ctloop.labels.store import ingest_labels


def _spark_labels(path, times) -> str:
    table = pa.table(
        {
            "request_id": [f"r{i}" for i in range(len(times))],
            "label": [i % 2 for i in range(len(times))],
            "label_time": pa.array(times, pa.timestamp("us")),
        }
    )
    pq.write_table(
        table, path, use_deprecated_int96_timestamps=True
    )  # as Spark 2.x/3.x writes by default
    return str(path)


def test_an_int96_label_time_out_of_nanosecond_range_is_read_as_written(tmp_path):
    """On main the 9999-12-31 was stored as 1816-03-29T05:56:08.066277376+00:00; read as written, the
    label-time rule refuses it by its own value, and the store is not made."""
    source = _spark_labels(
        tmp_path / "labels.parquet", [dt.datetime(2025, 1, 1), dt.datetime(9999, 12, 31)]
    )
    with pytest.raises(
        # 'time_range', as the same time written as text in a CSV (b23489f5; 'not_future' before it)
        DataValidationError, match=r"'time_range' in 1 row\(s\).*row 2: '9999-12-31 00:00:00'"
    ):
        ingest_labels(source, str(tmp_path / "store"))
    assert not (tmp_path / "store").exists()

