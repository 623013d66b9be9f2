"""A Parquet label file whose label_time (a timestamp column) lies outside pandas' nanosecond range
crashed ``ctloop labels ingest`` with a raw OutOfBoundsDatetime (exit 1, a traceback).

pyarrow 25 reads a ``timestamp[us]`` column of 1500-01-01 (a sentinel "long ago", or a year typed as
1024 for 2024) into pandas as datetime64[us] without complaint; ``label_times`` took it as a time and
the store's ``pd.to_datetime(..., format="ISO8601")`` then overflowed nanoseconds. The same time as
ISO 8601 text in a CSV was already refused by the 'time_range' rule naming the row; now the timestamp
column is refused the same way (found by the round-50 fix E helper; reproduced with ``ctloop labels
ingest --labels l.parquet``)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.cli import main


@pytest.mark.parametrize("when", [dt.datetime(1500, 1, 1), dt.datetime(9999, 12, 31)])
def test_a_parquet_label_time_beyond_nanoseconds_is_one_line(tmp_path, capsys, when):
    source = tmp_path / "labels.parquet"
    pq.write_table(pa.table({
        "request_id": ["a1", "a2"],
        "label": [1, 0],
        "label_time": pa.array([dt.datetime(2024, 1, 1), when], pa.timestamp("us")),
    }), source)
    store = tmp_path / "store"
    assert main(["labels", "ingest", "--labels", str(source), "--store", str(store)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "column 'label_time' breaks rule 'time_range' in 1 row(s)" in err[0], err
    assert f"row 2: '{when:%Y-%m-%d}" in err[0], err
    assert not store.exists() or not any(store.rglob("*.parquet"))
