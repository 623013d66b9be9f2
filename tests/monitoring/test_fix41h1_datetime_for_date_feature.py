"""A date feature logged as datetimes (a datetime64 column: a sink that parsed the JSON
timestamps, a batch frame of pandas Timestamps) was left as it was by ``as_temporal`` ("already
temporal"), then refused by both engines as another type and skipped, the window judged on the
other features, while the same instants as ISO text with a time are read as their dates (review
h1, finding 4). Datetimes are now read as their dates (or times of day) as text is, so a refused
column means a real type change."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ctloop.drift import engine
from ctloop.monitoring import window as W
from tests.monitoring.test_fix41b_monitor_date_feature import DAY0, _champion_with, _judged
from tests.monitoring.test_window_state import same_judgement
from tests.monitoring.window_support import write_log


def _region_as_datetimes(root, tz) -> None:
    """``region`` (and positional ``f2``) as datetime64 instants at 10:30 of a day set by the row."""
    for path in sorted(root.rglob("*.parquet")):
        part = pq.read_table(path).to_pandas()
        for col in ("region", "f2"):
            if col in part.columns:
                grades = part["request_id"].map(lambda r: int(r.encode().hex()[-6:], 16) % 60)
                days = pd.to_datetime([DAY0 + dt.timedelta(days=int(g)) for g in grades]) + pd.Timedelta("10:30:00")
                part[col] = pd.Series(days.tz_localize(tz) if tz else days, index=part.index).where(part[col].notna())
        part.to_parquet(path, index=False)


@pytest.mark.parametrize("tz", [None, "UTC"])
def test_a_date_feature_logged_as_datetimes_is_compared_as_its_dates(tmp_path, tz):
    write_log(tmp_path / "logs", n=900, seed=4)
    _region_as_datetimes(tmp_path / "logs", tz)
    champ = _champion_with(lambda g: DAY0 + dt.timedelta(days=g))
    frame, streamed = _judged(tmp_path / "logs", champ)
    same_judgement(frame, streamed)
    assert "drift_skipped" not in frame.tags
    assert "region" in frame.drift_scores and not frame.drifted["region"]  # the same days: no drift


def test_datetimes_are_read_as_dates_or_times_of_day_as_iso_text_is():
    instants = pd.Series(pd.to_datetime(["2025-03-01T10:30:00", None, "2025-03-02T23:59:00"]))
    dates = W.as_temporal(instants, "object (date)")
    assert dates.tolist() == [dt.date(2025, 3, 1), None, dt.date(2025, 3, 2)]
    assert dates.tolist() == W.as_temporal(instants.dt.strftime("%Y-%m-%dT%H:%M:%S"), "object (date)").tolist()
    assert engine.series_dtype(dates) == "object (date)"
    times = W.as_temporal(instants.dt.tz_localize("UTC"), "object (time)")
    assert times.tolist() == [dt.time(10, 30), None, dt.time(23, 59)]


def test_a_real_type_change_is_still_left_to_the_engines():
    """Times of day logged for a date feature are not dates: left as they are, refused by the engine."""
    times = pd.Series([dt.time(10, 30), dt.time(11, 0)], dtype=object)
    assert W.as_temporal(times, "object (date)") is times
    durations = pd.Series(pd.to_timedelta(["1 days", "2 days"]))
    assert W.as_temporal(durations, "object (date)") is durations
