"""Categories of ``pd.Interval`` bands of timestamps (``pd.cut`` of a date range, naive or
tz-aware) were saved, but loading the state called the file damaged until fix45c (``ValueError:
Only numeric, Timestamp and Timedelta endpoints are allowed when constructing an Interval``: the
ends came back as ``datetime.datetime``, and a 9-digit fraction not at all), and bands of
durations could not be saved (``cannot keep category value Timedelta(...)``). Their ends now come
back as ``pd.Timestamp`` (with the offset, to the nanosecond) and ``pd.Timedelta``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import streaming


def _bands(case: str) -> pd.Series:
    rng = np.random.default_rng(5)
    if case == "tz-utc":
        return pd.cut(pd.Series(pd.date_range("2024-01-01", periods=200, freq="h", tz="UTC")), 4)
    if case == "tz-berlin":  # across the change to summer time: two offsets among the ends
        return pd.cut(
            pd.Series(pd.date_range("2024-03-28", periods=200, freq="h", tz="Europe/Berlin")), 4
        )
    if case == "naive-ns":
        times = pd.to_datetime(
            ["2024-01-01 00:00:00.000000001", "2024-01-03 00:00:00.000000000"] * 100
        )
        edges = [
            pd.Timestamp("2024-01-01"),
            pd.Timestamp("2024-01-01 00:00:00.000000005"),
            pd.Timestamp("2024-01-04"),
        ]
        return pd.cut(pd.Series(times), edges)
    return pd.cut(pd.Series(pd.to_timedelta(rng.integers(0, 1000, 200), unit="s")), 3)


@pytest.mark.parametrize("case", ["tz-utc", "tz-berlin", "naive-ns", "durations"])
def test_bands_of_timestamps_and_durations_save_and_load_as_themselves(case):
    frame = pd.DataFrame({"c": _bands(case)})
    state = streaming.DriftState().update(frame)
    back = streaming.DriftState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert back.columns["c"].categories.counts == state.columns["c"].categories.counts
    merged = back.merge(streaming.DriftState().update(frame))  # the same bands: counted together
    assert len(merged.columns["c"].categories.counts) == len(state.columns["c"].categories.counts)
    col = streaming.compare(back, streaming.DriftState().update(frame)).columns[0]
    assert (col.kind, col.drifted) == ("categorical", False)


def test_many_tz_aware_bands_hashed_keep_their_buckets_after_loading():
    frame = pd.DataFrame(
        {"c": pd.cut(pd.Series(pd.date_range("2024-01-01", periods=3000, freq="h", tz="UTC")), 200)}
    )
    state = streaming.DriftState(max_categories=64).update(frame)
    back = streaming.DriftState.from_dict(json.loads(json.dumps(state.to_dict())))
    again = back.merge(streaming.DriftState(max_categories=64).update(frame))
    assert again.columns["c"].categories.counts == {
        k: 2 * v for k, v in state.columns["c"].categories.counts.items()
    }
