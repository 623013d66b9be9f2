"""A few stray first rows and the replay's window grid (:func:`ctloop.backtest._without_stray_start`).

The grid starts at the first event time, so a few rows far before a stream move every window. Rows
are left out only when they are far from the rest by every measure: their own span is shorter than
the gap after them, the gap is at least one replay window and at least ten times the longest gap
between the later rows. Ordinary streams whose first rows are sparse keep every row: a launch
ramp-up, a weekday-only pilot, a business-hours launch before a long weekend.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

WINDOWS = ["12h", "1D", "7D", "30D"]


def _kept(times: pd.Series, window: str) -> int:
    """Rows kept of ``times`` (sorted) with ``--window window``; a note on them fails the test."""
    from ctloop.backtest import _without_stray_start
    from ctloop.timeutil import parse_duration

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return len(_without_stray_start(pd.DataFrame({"t": times}), "t", window, parse_duration(window))[0])


def _at(
    days: pd.DatetimeIndex, counts: np.ndarray, rng: np.random.Generator, hours: tuple[float, float]
) -> pd.Series:
    """``counts[i]`` times on ``days[i]``, uniform between ``hours``, sorted."""
    day = np.repeat(days.to_numpy(), counts)
    offset = pd.to_timedelta(rng.uniform(*hours, size=len(day)), unit="h")
    return pd.Series(np.sort(day + offset.to_numpy()))


@pytest.mark.parametrize("seed", range(6))
def test_a_launch_ramp_up_keeps_every_row(seed):
    """Poisson rows a day rising from 0.5 to 60 over 120 days: the first rows are days apart (main left out
    up to 27 of them in 5 of these 6 seeds, 10 days of a real launch, with exit 0)."""
    rng = np.random.default_rng(seed)
    times = _at(
        pd.date_range("2025-01-01", periods=120),
        rng.poisson(np.linspace(0.5, 60, 120)),
        rng,
        (0, 24),
    )
    for window in WINDOWS:
        assert _kept(times, window) == len(times), window


def test_a_weekday_pilot_then_daily_keeps_every_row():
    """A pilot of one row each weekday for four weeks (20 rows, weekend gaps of about three days), then 40
    rows every day: main left out the pilot's first 18 rows (3½ weeks) with --window 1D."""
    rng = np.random.default_rng(0)
    pilot = pd.bdate_range("2025-01-06", "2025-01-31")
    daily = pd.date_range("2025-02-01", periods=90)
    times = pd.concat(
        [
            _at(pilot, np.ones(len(pilot), int), rng, (9, 17)),
            _at(daily, np.full(len(daily), 40), rng, (0, 24)),
        ],
        ignore_index=True,
    )
    for window in WINDOWS:
        assert _kept(times, window) == len(times), window


def test_a_business_hours_launch_before_easter_keeps_its_launch_day():
    """20 rows a business day, 9:00-17:00, from Maundy Thursday 2025 (17 April): Good Friday and Easter Monday
    make the gap after the launch day (4 days 16 hours) the longest; main left the launch day out."""
    rng = np.random.default_rng(0)
    days = pd.bdate_range("2025-04-17", periods=80).drop(
        [pd.Timestamp("2025-04-18"), pd.Timestamp("2025-04-21")]
    )
    times = _at(days, np.full(len(days), 20), rng, (9, 17))
    for window in WINDOWS:
        assert _kept(times, window) == len(times), window


@pytest.mark.parametrize("window", WINDOWS)
def test_a_real_shaped_stream_keeps_its_grid_with_strays_and_loses_no_row_without(window):
    """The synthetic credit stream (``ctloop generate-data``'s, 3,000 rows over 2025, the longest gap between
    its rows 1 day 9 hours) with three rows 18 days before it: with windows up to 7D the same grid as the
    stream alone. A 30D window is longer than the gap, so the three rows lie within the first window's reach
    of the stream and are kept: they cannot be told from a slow start at that resolution, and the grid
    starts with them. The stream alone keeps every row."""
    from ctloop.backtest import _edges, _without_stray_start
    from ctloop.synthetic import make_credit_data
    from ctloop.timeutil import parse_duration

    step = parse_duration(window)
    data = make_credit_data(n_rows=3000)
    data["application_date"] = pd.to_datetime(data["application_date"])
    assert _kept(data["application_date"].sort_values(ignore_index=True), window) == len(data)
    stray = data.iloc[:3].assign(
        application_date=pd.Timestamp("2024-12-12 10:00") + pd.to_timedelta([0, 1, 2], "D")
    )
    both = pd.concat([stray, data])
    if window == "30D":
        assert _kept(both["application_date"], window) == len(both)
        return
    with pytest.warns(
        UserWarning, match=r"3 row\(s\) at 2024-12-12 10:00:00 … 2024-12-14 10:00:00 lie 17D 19h before"
    ) as notes:
        kept, left_out = _without_stray_start(both, "application_date", window, step)
    assert "were left out of the replay" in str(notes[0].message)
    assert left_out == 3
    assert _edges(kept["application_date"], "t", window, step) == _edges(
        data["application_date"], "t", window, step
    )


def test_a_slow_first_day_of_daily_dates_is_no_stray():
    """Dates only, one day apart: a first day with five rows is the first day, not a stray."""
    days = pd.to_datetime(
        ["2025-01-01"] * 5 + [d for d in pd.date_range("2025-01-02", periods=60) for _ in range(40)]
    )
    assert _kept(pd.Series(days), "7D") == len(days)


def test_three_stray_first_rows_are_left_out_counted_and_the_grid_starts_after_them():
    """Three rows two days before a 4-day stream of 400 rows (1D windows): the replay's windows are the
    stream's own (from 2024-01-01, one a day), the note says the rows were left out, and the count is in
    backtest.json beside the untimed rows and in the line on the rows left out."""
    import json

    from ctloop.backtest import left_out_note, run_backtest
    from tests.unit.test_backtest_inputs import config, frame

    clean = frame()
    stray = clean.iloc[:3].assign(
        ts=pd.Timestamp("2023-12-30") + pd.to_timedelta([0, 1, 2], unit="h")
    )
    with pytest.warns(UserWarning) as notes:
        replay = run_backtest(pd.concat([stray, clean]), config())
    assert [str(n.message) for n in notes] == [
        "column 'ts': 3 row(s) at 2023-12-30 00:00:00 … 2023-12-30 02:00:00 lie 1D 22h before the other 400 rows (from "
        "2024-01-01 00:01:43.918500953), a gap of at least one --window (1D) and 10 times any between those: "
        "they were left out of the replay, whose windows would otherwise start with them"
    ]
    assert [(w.start, w.rows) for w in replay.windows] == [
        (f"2024-01-0{d} 00:00:00", n)
        for d, n in zip(range(1, 5), np.bincount(clean["ts"].dt.day - 1), strict=True)
    ]
    assert replay.left_out == {"no_time": 0, "no_label": 0, "stray_start": 3}
    assert (
        left_out_note(replay)
        == "left out (not replayed): 3 stray first row(s) far before the others"
    )
    written = json.loads(
        json.dumps(replay.to_dict(), default=str)
    )  # as write_report writes backtest.json
    assert written["left_out"]["stray_start"] == 3


def test_compare_refuses_a_schedule_beyond_the_windows_before_any_replay(monkeypatch):
    """``--compare always,every:1000`` over 4 daily windows: refused before the first replay (main replayed
    always in full, then refused every:1000 in its own replay)."""
    import ctloop.backtest as bt
    from ctloop.errors import ConfigError
    from tests.unit.test_backtest_inputs import config, frame

    started = []
    monkeypatch.setattr(
        bt, "_replay", lambda *a, **k: started.append(a) or pytest.fail("a replay started")
    )
    with pytest.raises(ConfigError) as exc:
        bt.compare(frame(), config(), ["always", "every:2", "every:1000"])
    assert str(exc.value) == (
        "policy every:1000: a retrain every 1,000 windows never comes: --window 1D gives 4 windows, 2 of them after "
        "the initial model's (window 1 at the earliest), so it would replay as never; choose every:N with N <= 2"
    )
    assert started == []


def test_compare_refuses_one_class_as_the_replay_does_not_as_a_schedule():
    """``--compare never,every:1000`` over a target with one class: refused for the class, as ``--compare never``
    and ``run_backtest`` refuse it (main's pre-check of every:N ran before the replay's data refusals and said
    "policy every:1000: ... never comes")."""
    from ctloop.backtest import compare
    from ctloop.errors import DataValidationError
    from tests.unit.test_backtest_inputs import config, frame

    with pytest.raises(DataValidationError) as exc:
        compare(frame().assign(y=1), config(), ["never", "every:1000"])
    assert "column 'y' breaks rule 'classes'" in str(exc.value)
    assert "one class (1) in every row" in str(exc.value)


@pytest.mark.parametrize(
    ("window", "first", "rest", "said"),
    [
        ("36h", ["2025-01-01 00:00", "2025-01-01 01:00", "2025-01-01 02:00"], "2025-01-03 03:00", "2D 1h"),
        ("90min", ["2025-01-01 00:00", "2025-01-01 00:01", "2025-01-01 00:02"], "2025-01-01 02:00", "1h 58min"),
    ],
)
def test_the_stray_note_says_the_window_as_typed_and_the_gap_not_rounded_up(window, first, rest, said):
    """The note quotes --window as typed (main: 36h as "(2D)", 90min as "(2h)") and the gap without rounding it
    up (main: 2 days 1 hour as "3D", 1 hour 58 minutes as "2h")."""
    from ctloop.backtest import _without_stray_start
    from ctloop.timeutil import parse_duration

    times = pd.Series(
        pd.to_datetime(first).append(pd.date_range(rest, periods=400, freq="5min"))
    )
    with pytest.warns(UserWarning) as notes:
        _, left_out = _without_stray_start(pd.DataFrame({"t": times}), "t", window, parse_duration(window))
    assert left_out == 3
    message = str(notes[0].message)
    assert f" lie {said} before the other 400 rows" in message
    assert f"a gap of at least one --window ({window}) and" in message


def test_early_rows_spanning_more_than_the_gap_after_them_are_kept():
    """Dates 2025-01-01 and 2025-01-26, then 40 rows a day from 2025-02-16 for 120 days (--window 7D): the two
    early rows span 25 days, longer than the 21-day gap after them, so they are a slow start, not strays."""
    days = pd.to_datetime(["2025-01-01", "2025-01-26"]).append(
        pd.DatetimeIndex(np.repeat(pd.date_range("2025-02-16", periods=120).to_numpy(), 40))
    )
    assert _kept(pd.Series(days), "7D") == len(days)
