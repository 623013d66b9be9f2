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


def test_ordinal_days_also_name_the_matlab_datenum_reading():
    """MATLAB's datenum counts from 0000-01-01, 366 days before Python's ordinal (datenum(1970,1,1) is
    719529), and daily exports are whole numbers in the same band: the hint names both readings, each
    with its own conversion, so a datenum column is not moved a year forward by following it."""
    said = number_times(pd.Series([739618, 739619, 739620]), "datenum")
    assert "'739618' is 2026-01-02" in said  # Python's reading
    assert "MATLAB datenums (day 1 is 0000-01-01: '739618' is 2025-01-01), subtract 719529 instead" in said
    frame = pd.DataFrame({"datenum": [739618]})
    assert pd.to_datetime(frame["datenum"] - 719529, unit="D")[0] == pd.Timestamp("2025-01-01")


def test_serial_dates_that_also_read_as_days_since_1970_name_both():
    """Days since 1970-01-01 (R's Date, Arrow's date32, Spark's DateType) of today (about 20,089 in 2025) sit
    inside the spreadsheet serial band (18264-73415): both readings are named, each with its conversion."""
    said = number_times(pd.Series([20089.0, 20090.0]), "day")
    assert "spreadsheet serial dates (days since 1899-12-30: '20089.0' is 1954-12-31 00:00)" in said
    assert ("if they count days since 1970-01-01 (R's Date, Arrow's date32: '20089.0' is 2025-01-01 00:00), "
            "pandas.to_datetime(frame['day'], unit='D')") in said
    # past 2100 as days since 1970 (47846), only the spreadsheet reading is said
    assert "since 1970-01-01" not in number_times(pd.Series([47847.0, 47848.0]), "day")


def test_matlab_date_times_with_fractions_are_told_the_datenum_reading():
    """Review: MATLAB's date-times (datenum(now)) are fractional, and the ordinal band took whole numbers
    only: they got no hint at all. 739618.5 is 2025-01-01 12:00 as a datenum."""
    said = number_times(pd.Series([739618.5, 739619.25]), "when")
    assert "MATLAB datenums (days since 0000-01-01: '739618.5' is 2025-01-01 12:00)" in said, said
    assert "pandas.to_datetime(frame['when'] - 719529, unit='D')" in said
    assert pd.to_datetime(pd.Series([739618.5]) - 719529, unit="D")[0] == pd.Timestamp("2025-01-01 12:00")
