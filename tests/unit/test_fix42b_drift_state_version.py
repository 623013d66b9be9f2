"""A drift state saved by the round-42 drift engine before this fix (version 2) counted a Period
column as int64 ordinals (family ``int``), an object column of datetimes and one of Decimals as
categories; this version counts periods as their text, datetimes as seconds and Decimals as
numbers. Such a state loaded silently and compared wrongly. The state version is 3 and an older
one is refused with what to do; a monitoring window state embeds a drift state, so its version
is 7 and an older one is refused the same way (review B, finding 1)."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from ctloop.drift import streaming
from ctloop.errors import DriftError, InferenceLogError
from ctloop.monitoring.window import WindowState

ORDINALS = pd.period_range("2020-01", periods=40, freq="M").asi8


def _version_2_period_state() -> dict:
    """What version 2 wrote for a Period column: its int64 ordinals, summarised as integers."""
    state = streaming.DriftState().update(pa.table({"p": pa.array(ORDINALS, pa.int64())})).to_dict()
    state["version"] = 2
    assert state["columns"][0]["family"] == "int"
    return state


def test_a_version_2_state_with_a_period_column_is_refused_with_what_to_do():
    with pytest.raises(
        DriftError, match=r"drift state version 2 is not supported .*recompute the state"
    ):
        streaming.DriftState.from_dict(_version_2_period_state())


def test_a_period_column_of_this_version_round_trips_as_text():
    frame = pd.DataFrame({"p": pd.Series(pd.PeriodIndex.from_ordinals(ORDINALS, freq="M"))})
    state = streaming.DriftState.from_dict(
        json.loads(json.dumps(streaming.DriftState().update(frame).to_dict()))
    )
    result = streaming.compare(state, streaming.DriftState().update(frame.astype({"p": str})))
    col = result.columns[0]
    assert (col.kind, col.method, col.drifted) == ("categorical", "chisquare", False)
    assert col.score == pytest.approx(1.0)  # the same periods on both sides, as text


def test_a_window_state_of_version_6_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "state.json").write_text(
        json.dumps({"format": "ctloop.monitoring.window", "version": 6})
    )
    with pytest.raises(
        InferenceLogError, match=r"version 6, written by another ctloop: re-run the monitoring run; its tasks used different ctloop images"
    ):
        WindowState.load(str(tmp_path))
