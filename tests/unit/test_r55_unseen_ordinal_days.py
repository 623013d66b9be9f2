"""A time column of Python's proleptic ordinal day numbers (``date.toordinal()``: day 1 is
0001-01-01, 736389 is 2017-03-01), as river 0.26.1's bundled ``trump_approval.csv.gz`` ships its
``ordinal_date`` (stop 55's unseen stream ``trump_ordinal_days``), is refused as numbers are and
now says what they look like and how to convert them: before, only "write ISO 8601 times", where
Unix times and spreadsheet serial dates are told their conversion."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.contract import number_times
from ctloop.errors import DataValidationError
from ctloop.storage import read_table


def test_a_time_column_of_ordinal_days_is_told_their_conversion(tmp_path):
    path = tmp_path / "approval.csv"
    path.write_text(
        "ordinal_date,gallup,y\n"
        + "".join(f"{736389 + i},{43.8 + i / 10},{i % 2}\n" for i in range(10))
    )
    with pytest.raises(DataValidationError) as err:
        prepare(read_table(str(path)), target="y", time_column="ordinal_date")
    said = str(err.value)
    assert "column 'ordinal_date' breaks rule 'dtype'" in said
    assert "day numbers counted from 0001-01-01" in said and "'736389' is 2017-03-01" in said
    convert = "pandas.to_datetime(frame['ordinal_date'] - 719163, unit='D')"
    assert convert in said
    frame = pd.DataFrame({"ordinal_date": [736389, 767009]})
    assert list(eval(convert, {"pandas": pd, "frame": frame})) == [  # noqa: S307 (the advice, run)
        pd.Timestamp(datetime.date.fromordinal(736389)),
        pd.Timestamp("2100-12-31"),
    ]


@pytest.mark.parametrize(
    "numbers",
    [
        [2023, 2024],
        [20230315, 20230316],
        [1700000000, 1700003600],
        [45000, 45001],
        [711857],
        [767010],
        [736389.5],
    ],
    ids=[
        "years",
        "yyyymmdd",
        "unix_seconds",
        "serial_dates",
        "before_1950",
        "after_2100",
        "fraction",
    ],
)
def test_other_numbers_are_not_called_ordinal_days(numbers):
    assert "counted from 0001-01-01" not in number_times(pd.Series(numbers, dtype=float), "day")


def test_another_columns_ordinal_days_are_told_too():
    said = number_times(pd.Series([711858, 767009]), "signed_on", time_column=False)
    assert "day numbers counted from 0001-01-01" in said and "'711858' is 1950-01-01" in said
