"""A review of stop 58's ISO week dates (``contract._week_dates``): a week date pandas cannot hold (``9999-W52-5``,
a "never" sentinel; ``1500-W01-1``; ``2262-W20-1``, after pandas' last day 2262-04-11) crashed every reader with
pandas' ``OutOfBoundsDatetime`` traceback (exit 1), where ``9999-12-31`` is refused in one line naming the column
(exit 2); a frame with a repeated index (``pd.concat([a, b])``) crashed ``prepare`` with ``InvalidIndexError``; and
forms ISO 8601-1:2019 5.2.4.2 does not write (a lowercase ``w``, basic and extended mixed: ``2002-W053``) were read.
Week dates are read by Python 3.11's ``datetime.date.fromisoformat`` (CPython 3.11.7 Lib/datetime.py
``_parse_isoformat_date``, the one week-date reader; ``monitoring.window._iso_date`` reads the window's days with it
too), only where the value is one, so that the other values' mixed reading is no slower for them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.components.prepare import core
from ctloop.contract import DataContract, parse_times, validate
from ctloop.errors import DataValidationError

YEARS_HINT = "(times hold years 1678 to 2261 only: a sentinel such as 9999-12-31? drop those rows)"


@pytest.mark.parametrize("value", ["9999-W52-5", "1500-W01-1", "2262-W20-1", "9999W525"])
def test_a_week_date_pandas_cannot_hold_is_refused_as_a_sentinel_date_is(value):
    with pytest.raises(DataValidationError) as info:
        parse_times(pd.Series(["2002-W01-2", "2002-W01-3", value]), "ts")
    assert str(info.value) == (
        f"data contract violated (1 rule(s)): column 'ts' breaks rule 'dtype' in 1 row(s): "
        f"expected datetime, got values like [{value!r}] {YEARS_HINT}"
    )


def test_the_last_and_first_days_pandas_holds_are_read():
    out = parse_times(pd.Series(["2262-W15-5", "1677-W38-3"]), "ts")
    assert [str(v.date()) for v in out] == ["2262-04-11", "1677-09-22"]
    # 1677-W38-2 is 1677-09-21, whose midnight is before pandas' first time (1677-09-21 00:12:43)
    with pytest.raises(
        DataValidationError, match=r"\['1677-W38-2'\] \(times hold years 1678 to 2261"
    ):
        parse_times(pd.Series(["2262-W15-5", "1677-W38-2"]), "ts")


def test_a_sentinel_week_date_in_another_datetime_column_is_refused_in_one_rule():
    frame = pd.DataFrame({"valid_to": ["2002-W01-2", "9999-W52-5"], "x": [1.0, 2.0]})
    contract = DataContract.from_dict({"columns": {"valid_to": {"dtype": "datetime"}}})
    with pytest.raises(
        DataValidationError,
        match=r"^data contract violated \(1 rule\(s\)\): column 'valid_to' breaks "
        r"rule 'dtype' in 1 row\(s\): expected datetime, got values like "
        r"\['9999-W52-5'\]$",
    ):
        validate(frame, contract)


def test_a_never_sentinel_ending_a_time_column_exits_2_in_one_line(tmp_path, capsys):
    rng = np.random.default_rng(58)
    days = pd.date_range("2002-01-01", periods=300, freq="D")
    iso = days.isocalendar()
    ts = [f"{y}-W{w:02d}-{d}" for y, w, d in zip(iso["year"], iso["week"], iso["day"], strict=True)]
    ts[-1] = "9999-W52-5"
    frame = pd.DataFrame({"ts": ts, "a": rng.normal(size=300), "y": rng.integers(0, 2, 300)})
    frame.to_csv(tmp_path / "weeks.csv", index=False)
    code = main(
        [
            "backtest",
            "--data",
            str(tmp_path / "weeks.csv"),
            "--target",
            "y",
            "--time-column",
            "ts",
            "--window",
            "30D",
            "--policy",
            "never",
            "--quiet",
            "--output",
            str(tmp_path / "out"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.strip().count("\n") == 0 and "Traceback" not in err, err
    assert (
        "column 'ts' breaks rule 'dtype' in 1 row(s)" in err
        and "['9999-W52-5'] " + YEARS_HINT in err
    ), err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_week_dates_in_a_frame_with_a_repeated_index_are_read_by_position():
    rng = np.random.default_rng(58)

    def part(first: int) -> pd.DataFrame:
        weeks = [f"2002-W{w:02d}-{d}" for w in range(first, first + 10) for d in (1, 3, 5)]
        return pd.DataFrame({"ts": weeks, "a": rng.normal(size=30), "y": np.tile([0, 1], 15)})

    frame = pd.concat([part(1), part(20)])  # index 0-29 twice
    out = parse_times(frame["ts"], "ts")
    assert out.index.equals(frame.index)
    assert [str(v.date()) for v in out.iloc[[0, 1, 30, 59]]] == [
        "2001-12-31",
        "2002-01-02",
        "2002-05-13",
        "2002-07-19",
    ]
    prepared = core.prepare(frame, target="y", time_column="ts", window="")
    assert len(prepared.train) + len(prepared.holdout) == 60


@pytest.mark.parametrize(
    "value", ["2002-w05-3", " 2002-w05-3 ", "2002-W053", "2002W05-3", "2002w05"]
)
def test_a_form_iso_8601_does_not_write_is_refused_naming_it(value):
    with pytest.raises(DataValidationError) as info:
        parse_times(pd.Series(["2002-W01-2", value]), "ts")
    assert f"expected datetime, got values like [{value!r}]" in str(info.value)


def test_week_dates_among_calendar_times_zoned_and_day_first():
    out = parse_times(
        pd.Series(
            [" 2002-W05-3 ", "31/01/2002 10:00", None, "2002W05", "2002-02-01T10:00:00+01:00"]
        ),
        "ts",
    )
    assert out.tolist()[:2] == [pd.Timestamp("2002-01-30"), pd.Timestamp("2002-01-31 10:00")]
    assert out.isna().tolist() == [False, False, True, False, False]
    assert out.iloc[3:].tolist() == [pd.Timestamp("2002-01-28"), pd.Timestamp("2002-02-01 09:00")]


@pytest.mark.parametrize("dtype", ["category", "string", "string[pyarrow]"])
def test_week_dates_in_a_text_column_of_another_dtype_are_read_without_a_warning(dtype):
    import warnings

    values = ["2002-W01-2", None, "2002-01-03T10:00:00+01:00", "2002W05"]
    with warnings.catch_warnings():
        warnings.simplefilter(
            "error"
        )  # pandas 2.3's .fillna downcasting FutureWarning on a category's .str
        out = parse_times(pd.Series(values, dtype=dtype, index=[0, 0, 1, 1]), "ts")
    assert out.tolist()[:1] + out.tolist()[2:] == [
        pd.Timestamp("2002-01-01"),
        pd.Timestamp("2002-01-03 09:00"),
        pd.Timestamp("2002-01-28"),
    ]
    assert out.isna().tolist() == [False, True, False, False]
