"""Round 40 (training surface): a Parquet time column with times pandas' nanoseconds cannot hold.

pandas 2 reads a Parquet ``timestamp[ms]``/``timestamp[us]`` column as ``datetime64[ms]``/``[us]``,
which holds years past 2262 (a warehouse's "never", 9999-12-31); as text the same times are refused
naming the column (``ctloop.contract.parse_times``), as a typed column prepare failed with pandas'
``OutOfBoundsDatetime: Cannot cast 2300-01-01 00:00:00 to unit='ns' without overflow``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.errors import DataValidationError
from ctloop.storage import read_table

ROWS = 120


def _table(times: list[dt.datetime], unit: str, tz: str | None = None) -> pa.Table:
    rng = np.random.default_rng(0)
    x = rng.normal(size=len(times))
    return pa.table({"t": pa.array(times, pa.timestamp(unit, tz=tz)), "x": x, "y": (x > 0).astype(int)})


def _hours(start: dt.datetime) -> list[dt.datetime]:
    return [start + dt.timedelta(hours=i) for i in range(ROWS)]


@pytest.mark.parametrize("unit,tz", [("ms", None), ("us", None), ("s", "UTC"), ("us", "Europe/Berlin")])
@pytest.mark.parametrize("window", [None, "30D"])
def test_times_past_2262_in_a_typed_time_column_are_refused_naming_it(tmp_path, unit, tz, window):
    times = _hours(dt.datetime(2025, 1, 1))
    times[-1] = dt.datetime(9999, 12, 31)  # the warehouse's "never"
    pq.write_table(_table(times, unit, tz), tmp_path / "d.parquet")
    frame = read_table(str(tmp_path / "d.parquet"))
    with pytest.raises(DataValidationError) as info:
        prepare(frame, target="y", time_column="t", window=window)
    message = str(info.value)
    assert "\n" not in message and "'t'" in message and "9999-12-31" in message and "outside pandas' range 1677-2262" in message, message


@pytest.mark.parametrize("unit", ["ms", "us"])
def test_typed_times_within_pandas_range_still_prepare(tmp_path, unit):
    pq.write_table(_table(_hours(dt.datetime(1901, 1, 1)), unit), tmp_path / "d.parquet")
    out = prepare(read_table(str(tmp_path / "d.parquet")), target="y", time_column="t", window="30D")
    assert out.profile["rows_used"] == ROWS
