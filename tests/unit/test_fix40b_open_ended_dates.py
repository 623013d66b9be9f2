"""Review revB item 4: the out-of-range mask for typed (Parquet timestamp[ms/us]) times applied to every
datetime column of the contract, so a 'valid_to' column holding 9999-12-31 (a warehouse's open-ended
"never") was refused where it had been accepted, with "expected datetime". It applies to the time column
only (which every window and split shifts by a Timedelta), and says the times are out of pandas' range."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.errors import DataValidationError
from ctloop.storage import read_table

ROWS = 200


def _frame(tmp_path, valid_to: list[dt.datetime], times: list[dt.datetime] | None = None):
    rng = np.random.default_rng(0)
    x = rng.normal(size=ROWS)
    times = times or [dt.datetime(2025, 1, 1) + dt.timedelta(hours=i) for i in range(ROWS)]
    pq.write_table(pa.table({"t": pa.array(times, pa.timestamp("us")), "x": x, "y": (x > 0).astype(int),
                             "valid_to": pa.array(valid_to, pa.timestamp("us"))}), tmp_path / "d.parquet")
    return read_table(str(tmp_path / "d.parquet"))


@pytest.mark.parametrize("window", [None, "100h"])
def test_an_open_ended_valid_to_column_declared_datetime_prepares(tmp_path, window):
    frame = _frame(tmp_path, [dt.datetime(9999, 12, 31), dt.datetime(2030, 1, 1)] * (ROWS // 2))
    out = prepare(frame, target="y", time_column="t", window=window,
                  contract={"columns": {"valid_to": {"dtype": "datetime"}, "t": {"dtype": "datetime"}}})
    assert out.train["valid_to"].max() == dt.datetime(9999, 12, 31)


def test_the_time_column_past_2262_is_refused_as_out_of_range(tmp_path):
    times = [dt.datetime(2025, 1, 1) + dt.timedelta(hours=i) for i in range(ROWS)]
    times[-1] = dt.datetime(9999, 12, 31)
    frame = _frame(tmp_path, [dt.datetime(2030, 1, 1)] * ROWS, times)
    with pytest.raises(DataValidationError) as info:
        prepare(frame, target="y", time_column="t", window=None, contract={"columns": {"t": {"dtype": "datetime"}}})
    message = str(info.value)
    assert "'t'" in message and "outside pandas' range 1677-2262" in message and "9999-12-31" in message, message
    assert "expected datetime" not in message
