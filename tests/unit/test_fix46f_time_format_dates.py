"""Round 46 review F: ``ctloop backtest --time-format`` said unused only for a datetime64 column, not
for a Parquet ``date32`` one, which pandas reads as object dtype holding ``datetime.date``: the format
is not applied to it either (``pd.to_datetime`` takes the dates as they are), and nothing was said."""

from __future__ import annotations

import datetime
import warnings

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.cli import main


def _said(tmp_path, table: pa.Table, *flags) -> list[str]:
    path = tmp_path / "d.parquet"
    pq.write_table(table, path)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        # one class only: the replay refuses it right after reading, so the test stays fast
        assert (
            main(
                [
                    "backtest",
                    "--data",
                    str(path),
                    "--target",
                    "y",
                    "--time-column",
                    "t",
                    "--window",
                    "7D",
                    "--quiet",
                    "--output",
                    str(tmp_path / "out"),
                    *flags,
                ]
            )
            == 2
        )
    return [
        str(w.message)
        for w in seen
        if issubclass(w.category, UserWarning) and "is not used" in str(w.message)
    ]


DAYS = [datetime.date(2024, 1, 1) + datetime.timedelta(days=i) for i in range(40)]


@pytest.mark.parametrize(
    "times",
    [pa.array(DAYS, pa.date32()), pa.array(DAYS + [None], pa.date32())],
    ids=["date32", "date32-with-gaps"],
)
def test_a_time_format_for_stored_dates_is_said_unused(tmp_path, times):
    n = len(times)
    table = pa.table({"t": times, "x": list(range(n)), "y": [1] * n})
    assert pd.api.types.is_object_dtype(table.to_pandas()["t"])  # what pandas makes of date32
    said = _said(tmp_path, table, "--time-format", "%d/%m/%Y")
    assert len(said) == 1 and "'%d/%m/%Y' is not used: column 't'" in said[0], said


def test_text_dates_take_the_format_without_a_warning(tmp_path):
    table = pa.table(
        {"t": [f"{d:02d}/01/2024" for d in range(1, 29)], "x": list(range(28)), "y": [1] * 28}
    )
    assert not _said(tmp_path, table, "--time-format", "%d/%m/%Y")
