"""A time column of spreadsheet serial dates (days since 1899-12-30, what Excel, Google Sheets and
LibreOffice keep and what a sheet's dates become when exported as numbers: 45000.5 is
2023-03-15 12:00) is refused as numbers are, and now says what they look like and how to convert
them (before round 48 it said only "write ISO 8601 times")."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.contract import number_times
from ctloop.errors import DataValidationError
from ctloop.storage import read_table


def _sheet(tmp_path, days: list[float]) -> pd.DataFrame:
    rows = "".join(f"{day},{i % 2},{i}\n" for i, day in enumerate(days))
    path = tmp_path / "export.csv"
    path.write_text("day,y,x\n" + rows)
    return read_table(str(path))


def test_a_time_column_of_serial_dates_is_told_their_conversion(tmp_path):
    frame = _sheet(tmp_path, [45000.5 + i for i in range(10)])
    with pytest.raises(DataValidationError) as err:
        prepare(frame, target="y", time_column="day")
    said = str(err.value)
    assert "column 'day' breaks rule 'dtype'" in said
    assert "spreadsheet serial dates" in said and "'45000.5' is 2023-03-15 12:00" in said
    assert "pandas.to_datetime(frame['day'], unit='D', origin='1899-12-30')" in said
    assert pd.to_datetime(45000.5, unit="D", origin="1899-12-30") == pd.Timestamp("2023-03-15 12:00")


@pytest.mark.parametrize("numbers", [[2023, 2024], [20230315, 20230316], [1700000000, 1700003600], [5, 6], [80000.0]],
                         ids=["years", "yyyymmdd", "unix_seconds", "small", "past_2100"])
def test_other_numbers_are_not_called_serial_dates(numbers):
    assert "serial dates" not in number_times(pd.Series(numbers, dtype=float), "day")


def test_another_columns_serial_dates_are_told_too():
    said = number_times(pd.Series([18264.0, 73415.0]), "signed_on", time_column=False)
    assert "spreadsheet serial dates" in said and "'18264.0' is 1950-01-01 00:00" in said
