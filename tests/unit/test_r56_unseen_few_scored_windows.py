"""Stop 56's unseen stream wage_year_numbers (ISLP 0.6.0's Wage: 3,000 rows, 2003-2009, the year as the
time, ``--time-format %Y``) in 365D windows: 7 windows of ~430 rows, a derived training window of 6
(3000 rows at a median 392 rows per window, at most 6), so the initial model trained in window 5 and
only window 6 was scored. The comparison printed never, always, drift and default at the same RMSE,
``+0.0 % vs always`` and ``always ... retrains 1`` (a retrain in the last window, scored by none),
without saying that it rested on one window. The replay now says so up front, with a --train-window
that leaves three windows to score; a replay with two or more scored windows says nothing. The derived
training window is now cut to leave three windows to score (as many as any leaves on a shorter stream),
which the banner says; an explicit --train-window is taken as given and warned about. The cut and the
advice keep the windows whose labelled rows a retrain needs (review r56: yearly rows 200, 30, 30, 30, 30,
30 were cut to 3 windows of 90 rows, short of the 100 every retrain needs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BACKTEST_THRESHOLDS, BacktestConfig, run_backtest
from ctloop.config import GateConfig, TrainingConfig


def yearly(years: int, per_year: int = 40) -> pd.DataFrame:
    """Every row of a year at its 1 January, as ``--time-format %Y`` reads a year."""
    rng = np.random.default_rng(56)
    n = years * per_year
    x = rng.normal(size=(n, 2))
    stamps = pd.to_datetime([f"{2003 + i // per_year}-01-01" for i in range(n)])
    y = (x[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return pd.DataFrame({"ts": stamps, "a": x[:, 0], "b": x[:, 1], "y": y})


def config(window: str = "365D", policy: str = "never", **kw) -> BacktestConfig:
    return BacktestConfig(
        target="y",
        time_column="ts",
        window=window,
        policy=policy,
        training=TrainingConfig(estimator="logistic_regression", seed=0),
        gate=GateConfig.from_dict(
            {
                "bootstrap_rounds": 20,
                "seed": 0,
                "thresholds": BACKTEST_THRESHOLDS["classification"],
            }
        ),
        **kw,
    )


def notes(recwarn) -> list[str]:
    return [str(w.message) for w in recwarn.list if "can be scored" in str(w.message)]


def test_a_replay_scoring_one_window_says_so_with_a_training_window_that_leaves_three(recwarn):
    # 6 windows of history, as derived
    report = run_backtest(yearly(7), config(train_window="2190D"))
    scored = [w for w in report.windows if w.metric is not None]
    assert len(scored) == 1
    said = notes(recwarn)
    assert said == [
        "only 1 of 7 windows can be scored after the initial model's 6 window(s) of history "
        "(--train-window 2190D): the mean metric rests on that window alone, and a retrain in the "
        "last window is scored by none; --train-window 1460D (4 windows) leaves 3"
    ], said
    again = run_backtest(yearly(7), config(train_window="1460D"))
    assert len([w for w in again.windows if w.metric is not None]) == 3


def test_a_derived_training_window_leaves_three_windows_to_score_and_says_why(recwarn):
    # 3000 rows at 400 a window is 8 windows, at most 6: on 7 windows that scored one (wage_year_numbers,
    # unseen batch 4); the derived window is now cut to 4 and the banner says so (failed on main: 6 windows, 1 scored)
    said: list[str] = []
    report = run_backtest(yearly(7, per_year=400), config(), progress=said.append)
    assert report.train_windows == 4
    assert len([w for w in report.windows if w.metric is not None]) == 3
    assert any(
        "training window 4 window(s) (derived: 3000 rows at a median 400 rows per window, 1..6 windows, "
        "cut to 4 to leave up to 3 windows to score)" in line
        for line in said
    ), said
    assert notes(recwarn) == []


def test_a_derived_training_window_on_a_short_stream_leaves_as_many_as_it_can(recwarn):
    # 3 windows: no training window leaves 3; one window of history leaves 2 (the derived 2 left 1)
    said: list[str] = []
    report = run_backtest(yearly(3, per_year=400), config(), progress=said.append)
    assert report.train_windows == 1
    assert len([w for w in report.windows if w.metric is not None]) == 2
    assert any(
        "1..6 windows, cut to 1 to leave up to 2 windows to score)" in line for line in said
    ), said
    assert notes(recwarn) == []


def test_a_derived_training_window_is_named_as_derived(recwarn):
    # 2 windows: one of history, one to score, whatever the training window
    run_backtest(yearly(2, per_year=400), config())
    said = notes(recwarn)
    assert len(said) == 1 and said[0].startswith(
        "only 1 of 2 windows can be scored after the initial model's 1 window(s) of history (derived: 3000 "
        "rows at a median 400 rows per window, 1..6 windows)"
    ), said


@pytest.mark.parametrize(("train_window", "scored"), [("1825D", 2), ("365D", 4)])
def test_two_scored_windows_or_more_say_nothing(recwarn, train_window, scored):
    report = run_backtest(yearly(7), config(train_window=train_window))
    assert len([w for w in report.windows if w.metric is not None]) == scored
    assert notes(recwarn) == []


def hourly(windows: int, hours: int = 25, per_window: int = 40) -> pd.DataFrame:
    """``windows`` windows of ``hours`` hours each, ``per_window`` rows spread through each."""
    rng = np.random.default_rng(56)
    n = windows * per_window
    x = rng.normal(size=(n, 2))
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) * hours * 3600 // per_window, unit="s")
    y = (x[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return pd.DataFrame({"ts": stamps, "a": x[:, 0], "b": x[:, 1], "y": y})


def test_the_training_window_advised_is_exact_where_whole_days_would_round_it_up(recwarn):
    # 25h windows: 4 of them are 100h; rounded up to whole days (5D) they were 5 windows and left 2 (review, stop 56)
    run_backtest(hourly(7), config(window="25h", train_window="150h"))
    said = notes(recwarn)
    assert len(said) == 1 and said[0].endswith("--train-window 100h (4 windows) leaves 3"), said
    recwarn.clear()
    again = run_backtest(hourly(7), config(window="25h", train_window="100h"))
    assert len([w for w in again.windows if w.metric is not None]) == 3


def test_a_train_window_refused_as_too_long_is_told_one_that_is_not():
    # 2 windows of 25h: --train-window 50h spans both; the refusal said "choose at most 2D", 48h, which spans both
    # again (rounded up to whole days, as _warn_few_scored's advice was before _flag_duration; failed on main)
    from ctloop.errors import ConfigError

    with pytest.raises(ConfigError, match=r"choose at most 25h$"):
        run_backtest(hourly(2, per_window=120), config(window="25h", train_window="50h"))
    with pytest.warns(UserWarning, match="only 1 of 2 windows can be scored"):
        report = run_backtest(hourly(2, per_window=120), config(window="25h", train_window="25h"))
    assert report.train_windows == 1


def counted(per_year: list[int]) -> pd.DataFrame:
    """``per_year[i]`` rows at 1 January of year 2003 + i."""
    rng = np.random.default_rng(56)
    n = sum(per_year)
    x = rng.normal(size=(n, 2))
    stamps = pd.to_datetime([f"{2003 + i}-01-01" for i, c in enumerate(per_year) for _ in range(c)])
    y = (x[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return pd.DataFrame({"ts": stamps, "a": x[:, 0], "b": x[:, 1], "y": y})


def test_the_cut_keeps_the_windows_whose_rows_a_retrain_needs(recwarn):
    # the cut to 3 windows left every retrain 90 labelled rows of the 100 it needs: 3 scored, 0 retrains ("retrain
    # skipped: 90 labelled rows in the training window (< 100)"); the last 4 windows hold 120 (review r56; failed
    # on main: 3 windows)
    said: list[str] = []
    report = run_backtest(
        counted([200, 30, 30, 30, 30, 30]), config(policy="always"), progress=said.append
    )
    assert report.train_windows == 4
    scored = [w for w in report.windows if w.metric is not None]
    assert len(scored) == 2
    assert [w.retrained for w in scored] == [True, True], [w.reason for w in report.windows]
    assert any(
        "1..6 windows, cut to 4 to leave up to 2 windows to score (no fewer: a retrain needs 100 labelled rows))"
        in line
        for line in said
    ), said


def test_the_training_window_advised_keeps_the_rows_a_retrain_needs(recwarn):
    # 5 windows of history score one; 3 would leave 3, each retrain on 90 of the 100 labelled rows it needs
    # (review r56; failed on main: "--train-window 1095D (3 windows) leaves 3")
    run_backtest(counted([200, 30, 30, 30, 30, 30]), config(train_window="1825D"))
    said = notes(recwarn)
    assert len(said) == 1 and said[0].endswith(
        "--train-window 1460D (4 windows) leaves 2 (no shorter: a retrain needs 100 labelled rows)"
    ), said


def test_a_train_window_refused_as_too_long_is_told_the_one_the_default_chooses():
    # 7 yearly windows: the refusal said "choose at most 1095D" (half the windows), the default chose 1460D (review
    # r56; failed on main)
    from ctloop.errors import ConfigError

    with pytest.raises(ConfigError, match=r"choose at most 1460D$"):
        run_backtest(yearly(7, per_year=400), config(train_window="2555D"))


@pytest.mark.parametrize(
    ("per_year", "kept"),
    [([200, 30, 30, 30, 30, 100], 4), ([200, 30, 0, 30, 30, 30, 30], 5)],
)
def test_the_floor_keeps_the_rows_of_every_retrain_not_only_the_last(recwarn, per_year, kept):
    # the floor read only the last windows: 200, 30, 30, 30, 30, 100 hold 130 in the last 3, and the retrains in
    # windows 3 and 4 were skipped ("retrain skipped: 90 labelled rows (< 100)"); 200, 30, 0, 30, 30, 30, 30 hold 120
    # in the last 4, 90 in windows 1..4 and 2..5 (review r56 fix2; failed on main: 3 and 4 windows)
    report = run_backtest(counted(per_year), config(policy="always"))
    assert report.train_windows == kept
    scored = [w for w in report.windows if w.metric is not None]
    assert len(scored) == 2
    assert [w.retrained for w in scored] == [True, True], [w.reason for w in report.windows]


def test_no_floor_when_no_training_window_holds_a_retrains_rows(recwarn):
    # 200, 30, 30, 30: no retrain can hold 100 labelled rows whatever the window; the floor of 3 only cost scored
    # windows (1 scored, advice "a longer stream or a shorter --window"); as before it, 1 window and 3 scored
    # (review r56 fix2; failed on main: 3 windows)
    said: list[str] = []
    report = run_backtest(counted([200, 30, 30, 30]), config(policy="always"), progress=said.append)
    assert report.train_windows == 1
    assert len([w for w in report.windows if w.metric is not None]) == 3
    assert any("cut to 1 to leave up to 3 windows to score)" in line for line in said), said
    assert notes(recwarn) == []



def test_a_retrain_no_window_scores_does_not_raise_the_floor(recwarn):
    # a short last window (1 row) is scored by none and no later window scores its retrain: its 91 rows raised the
    # floor to 5 windows, 2 scored ("no fewer: a retrain needs 100"), where 4 windows score 3 and every retrain a
    # later window scores trains (review r21)
    report = run_backtest(counted([200, 30, 30, 30, 30, 30, 30, 1]), config(policy="always"))
    assert report.train_windows == 4
    assert len([w for w in report.windows if w.metric is not None]) == 3
