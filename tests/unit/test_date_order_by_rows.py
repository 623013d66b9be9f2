"""Dates whose every value reads two ways (``03/05/2024``: no number above 12 says which is the
day). pandas 2.3.3 ``to_datetime(format="mixed")`` reads them month first; an export is written in
time order, so the reading under which the rows are in order is the one meant
(``ctloop.contract.date_order``). When the order cannot tell either (ten days in a row read in order
both ways), the convention stays and a warning names the column and the format to set."""

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.prepare import core
from ctloop.contract import date_order, parse_times, undecided_dates


def days_1_to_12(order: str = "day", descending: bool = False) -> pd.Series:
    """Every day 1…12 of 2025's months, in time order, written dd/mm/yyyy (``order="day"``) or
    mm/dd/yyyy; 3 rows a day."""
    days = [d for d in pd.date_range("2025-01-01", "2025-12-31", freq="D") if d.day <= 12]
    if descending:
        days = days[::-1]
    fmt = "%d/%m/%Y" if order == "day" else "%m/%d/%Y"
    return pd.Series(np.repeat(pd.DatetimeIndex(days).strftime(fmt), 3))


@pytest.mark.parametrize("descending", [False, True])
def test_a_day_first_export_in_time_order_is_read_day_first(descending):
    written = days_1_to_12("day", descending)
    assert date_order(written)[0] is True  # was False: read as Jan 1st, Feb 1st, … Dec 1st, Jan 2nd …
    with pytest.warns(UserWarning, match=r"read day first, as the rows are in time order only that way; if that is "
                                         r"wrong, name the format: .* e\.g\. '%m/%d/%Y'$"):
        read = parse_times(written, "when")
    assert read.min() == pd.Timestamp("2025-01-01") and read.max() == pd.Timestamp("2025-12-12")
    assert read.is_monotonic_decreasing if descending else read.is_monotonic_increasing


def test_a_month_first_export_in_time_order_stays_month_first():
    written = days_1_to_12("month")
    assert date_order(written)[0] is False and undecided_dates(written) == ""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the order agrees with the convention: nothing to say
        read = parse_times(written, "when")
    assert read.is_monotonic_increasing and read.max() == pd.Timestamp("2025-12-12")


def test_dotted_month_first_dates_in_order_are_read_month_first():
    written = days_1_to_12("month").str.replace("/", ".")
    assert date_order(written)[0] is False  # the order outweighs the dots' convention


def test_the_prepare_step_reads_the_rows_in_the_order_they_were_written():
    when = days_1_to_12("day")
    rng = np.random.default_rng(0)
    x = rng.normal(size=len(when))
    data = pd.DataFrame({"when": when, "x": x, "y": (x + rng.normal(size=len(x)) > 0).astype(int)})
    prepared = core.prepare(data, target="y", time_column="when", window=None)
    assert prepared.profile["data_time_range"] == {"min": "2025-01-01 00:00:00", "max": "2025-12-12 00:00:00"}


def test_when_the_order_cannot_tell_the_convention_stays_with_a_warning():
    ten_days = pd.Series(pd.date_range("2025-03-01", periods=240, freq="h").strftime("%d/%m/%Y %H:%M"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read = parse_times(ten_days, "when")
    assert read.min() == pd.Timestamp("2025-01-03")  # month first, as before
    said = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(said) == 1 and said[0].startswith("column 'when': no date says which number is the day "
                                                 "('01/03/2025 00:00' reads both ways)")
    assert said[0].endswith("data.time_format (--time-format), e.g. '%d/%m/%Y'")
    dotted = ten_days.str.replace("/", ".")
    with pytest.warns(UserWarning, match=r"read day first, as the rows' order does not say either, and dates written "
                                         r"with dots usually are.*'%m\.%d\.%Y'$"):
        assert parse_times(dotted, "when").min() == pd.Timestamp("2025-03-01")


def test_dates_that_read_the_same_either_way_or_say_which_warn_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parse_times(pd.Series(["01/01/2025", "02/02/2025", "03/03/2025"]), "when")
        parse_times(pd.Series(["13/01/2025", "02/01/2025"]), "when")
        parse_times(pd.Series(["2025-01-02", "2025-01-03"]), "when")


def test_a_file_grouped_by_day_of_month_read_against_the_convention_says_so():
    """A US export grouped by billing day, in time order within each group (review): the day-first
    reading is the one in order, so it is taken, but a taking against the convention is said."""
    written = pd.Series([f"{m:02d}/{d:02d}/2024" for d in (1, 5, 9, 12) for m in range(1, 13)])
    with pytest.warns(UserWarning, match="the rows are in time order only that way"):
        parse_times(written, "when")
