"""A Parquet file written by pandas with a named index (``frame.set_index("request_id").to_parquet``,
pandas 2.3.3 with pyarrow: the index is stored as a column of its name and recorded in the
``pandas`` schema metadata, ``pyarrow/pandas_compat.py`` ``_get_index_level``) is read by
``ctloop.storage.read_table`` with that column as a column. ``pd.read_parquet`` restores it as the
frame's index, so training (``ctloop train``), the label store and the memory drift engine lost the
column ("no column 'request_id'", a feature missing) while batch scoring and the streamed reader
(``pyarrow.dataset``: the stored column) read it: one file, two tables. An unnamed index
(``__index_level_0__``, a filtered frame's) stays out, as before: it is no data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.drift import streaming
from ctloop.storage import read_table


def _frame(n=50):
    rng = np.random.default_rng(0)
    return pd.DataFrame({"request_id": [f"r{i}" for i in range(n)], "a": rng.normal(size=n),
                         "label": rng.integers(0, 2, size=n)})


def test_a_named_index_reads_as_the_column_the_streamed_reader_sees(tmp_path):
    frame = _frame()
    frame.set_index("request_id").to_parquet(tmp_path / "labels.parquet")
    read = read_table(str(tmp_path / "labels.parquet"))
    streamed = streaming.open_source(str(tmp_path / "labels.parquet")).columns
    assert sorted(read.columns) == sorted(streamed) == ["a", "label", "request_id"]
    assert read["request_id"].tolist() == frame["request_id"].tolist()
    assert isinstance(read.index, pd.RangeIndex)


def test_a_multi_index_reads_as_columns(tmp_path):
    _frame().assign(day="2026-12-01").set_index(["day", "request_id"]).to_parquet(tmp_path / "x.parquet")
    assert sorted(read_table(str(tmp_path / "x.parquet")).columns) == ["a", "day", "label", "request_id"]


def test_an_unnamed_index_stays_out(tmp_path):
    frame = _frame()
    frame[frame.a > 0].to_parquet(tmp_path / "x.parquet")
    assert sorted(read_table(str(tmp_path / "x.parquet")).columns) == ["a", "label", "request_id"]


def test_a_named_range_index_stays_out_as_it_is_no_column(tmp_path):
    """pandas keeps a RangeIndex as metadata only: no column, named or not."""
    frame = _frame()
    frame.index.name = "row"
    frame.to_parquet(tmp_path / "x.parquet")
    assert sorted(read_table(str(tmp_path / "x.parquet")).columns) == sorted(
        streaming.open_source(str(tmp_path / "x.parquet")).columns) == ["a", "label", "request_id"]
