"""Stop 58's births_smoke_isoweek (docs/backtest-quality.md, "Unseen streams, sixth batch"): a time column
written as ISO 8601 week dates (``2002-W01-2``: year, ISO week, weekday), as retail and payroll exports write
them, was refused before any window with ``column 'ts' breaks rule 'dtype' in 4642 row(s): expected datetime,
got values like ['2002-W01-2', '2002-W01-3', '2002-W01-4']``: no way out, under a ``--time-format`` help that
says the inferred reading is ISO 8601, which these are (ISO 8601-1:2019 5.2.4.2 week date, basic form
``2002W012``; the week alone, ``2002-W01``, 5.2.4.3 reduced precision, reads as its Monday as ``2024-03`` reads
as March 1st). The ISO week-numbering year is not the calendar year: ``2002-W01-1`` is 2001-12-31 and
``2003-W01-1`` is 2002-12-30 (Python's ``date.fromisocalendar``)."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import DataValidationError

WEEK_DATES = {
    "2002-W01-2": "2002-01-01",
    "2002-W01-1": "2001-12-31",
    "2003-W01-1": "2002-12-30",
    "2004-W53-7": "2005-01-02",
    "2002W012": "2002-01-01",
    "2002-W05": "2002-01-28",
    " 2002-W05-3 ": "2002-01-30",  # ' 2002-w05-3 ' is refused: test_r58_fixuns_week_dates.py
}


def test_iso_week_dates_read_as_their_day():
    from ctloop.contract import parse_times

    out = parse_times(pd.Series(list(WEEK_DATES), dtype=object), "ts")
    assert [str(v.date()) for v in out] == list(WEEK_DATES.values())


def test_week_dates_and_calendar_times_in_one_column():
    from ctloop.contract import parse_times

    out = parse_times(
        pd.Series(["2002-W01-2", "2002-01-02T10:00:00Z", None, "2002-01-03 10:00:00+01:00"]), "ts"
    )
    assert out.tolist()[:2] == [pd.Timestamp("2002-01-01"), pd.Timestamp("2002-01-02 10:00")]
    assert out.isna().tolist() == [False, False, True, False]
    assert out.iloc[3] == pd.Timestamp("2002-01-03 09:00")


@pytest.mark.parametrize("value", ["2002-W53-1", "2002-W00-1", "2002-W05-8", "2002-W5-1"])
def test_a_week_that_does_not_exist_is_still_refused_naming_it(value):
    from ctloop.contract import parse_times

    with pytest.raises(DataValidationError) as info:
        parse_times(pd.Series(["2002-W01-2", value]), "ts")
    assert value in str(info.value) and "'ts'" in str(info.value)
