"""Telling a text ``_error`` feature of an older file from error text reads only what it needs
(review of round 43, item 3).

Round 43 decided it by reading the whole ``_error``, ``has_response`` and every prediction
column of the file at once — twice per file in the scan (its schema, then its batches): 964 MiB
peak for a 1M-row file the scan otherwise reads in 284 MiB. It now reads batch by batch, stops at
the first value that says "feature", and leaves out what the footer says holds no value.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.inference_log.schema import _text_feature, former_features

ROWS, GROUP = 4_000, 1_000


def _file(path, error_at: int | tuple[int, ...], has_response: bool = True):
    """An older file: a text ``_error`` with a value at row(s) ``error_at``, beside a prediction."""
    error = [None] * ROWS
    for at in (error_at,) if isinstance(error_at, int) else error_at:
        error[at] = "blue"
    table = pa.table(
        {
            "request_id": [f"id{i}" for i in range(ROWS)],
            "has_response": pa.array(np.full(ROWS, has_response)),
            "_error": pa.array(error, pa.string()),
            "prediction": pa.array(np.linspace(0, 1, ROWS)),
            "prediction_empty": pa.nulls(ROWS, pa.float64()),
        }
    )
    pq.write_table(table, path, row_group_size=GROUP, compression="NONE")
    return path


def _spoil(path, group: int, column: str) -> None:
    """Overwrite the data of ``column`` in row group ``group``: reading it fails."""
    meta = pq.ParquetFile(path).metadata
    chunk = meta.row_group(group).column(meta.schema.names.index(column))
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    data = bytearray(path.read_bytes())
    data[start : start + chunk.total_compressed_size] = b"\xff" * chunk.total_compressed_size
    path.write_bytes(bytes(data))


def test_the_first_value_beside_a_prediction_decides_without_reading_on(tmp_path):
    # values in the first and the last row group: the footer cannot leave the last one out, only
    # stopping at the first deciding value (row 3, beside a prediction) does
    path = _file(tmp_path / "old.parquet", error_at=(3, 3 * GROUP + 5))
    _spoil(path, 3, "prediction")  # the last row group's predictions: never needed
    with pytest.raises(OSError):  # the spoiled data is unreadable indeed
        pq.read_table(path, columns=["prediction"])
    pf = pq.ParquetFile(path)
    # before this fix: the whole prediction column was read, the spoiled row group too (OSError);
    # batches of one row group here (former_features' 65,536 rows would span this small file's
    # groups; the sink's row groups are larger than a batch), so only stopping at row 3 passes
    assert _text_feature(pf, "_error", pf.schema_arrow.names, batch_rows=GROUP)


def test_row_groups_and_prediction_columns_without_values_are_not_read(tmp_path):
    path = _file(tmp_path / "old.parquet", error_at=ROWS - 1)  # the value in the last row group
    _spoil(path, 0, "prediction")  # its _error holds no value: the row group is not read
    _spoil(path, 3, "prediction_empty")  # no value in any row group: never read
    pf = pq.ParquetFile(path)
    assert former_features(pf.schema_arrow, pf) == {"_error": "input__error"}


def test_error_text_of_this_layout_stays_the_error_column(tmp_path):
    """A value on a response half without prediction is error text: the column is ``_error``."""
    error = [None] * ROWS
    error[5] = "model failed"
    prediction = np.linspace(0, 1, ROWS)
    prediction[5] = np.nan
    table = pa.table(
        {
            "has_response": pa.array(np.full(ROWS, True)),
            "_error": pa.array(error, pa.string()),
            "prediction": pa.array(prediction, from_pandas=True),
        }
    )
    path = tmp_path / "new.parquet"
    pq.write_table(table, path, row_group_size=GROUP)
    pf = pq.ParquetFile(path)
    assert former_features(pf.schema_arrow, pf) == {}
