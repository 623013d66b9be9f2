"""A chunk the window's drift summary refuses (a feature of another type than before: datetimes
after integers) left the window state half counted: its rows in ``rows``/``served``/``requested``,
its values in ``present``, while the drift state had not taken it (DriftState.update is atomic).
A caller that reports the refusal and goes on (or saves the state) judged a window whose counts
and drift summary disagreed: ``present`` {'x': 24} against 20 summarised rows. Now a refused chunk
leaves every count as it was."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ctloop.errors import DriftError
from ctloop.monitoring import window as W

END = pd.Timestamp("2026-01-05T01:00:00Z")


def _rows(values: list) -> pd.DataFrame:
    return pd.DataFrame(
        {"_time": [END - pd.Timedelta(minutes=i) for i in range(len(values))], "x": values}
    )


def test_a_refused_chunk_leaves_the_window_state_as_it_was():
    spec = W.WindowSpec(
        END - pd.Timedelta("2h"),
        END,
        END - pd.Timedelta("1D"),
        END - pd.Timedelta("1D"),
        features=("x",),
    )
    state = W.WindowState(spec).update(_rows(list(range(20))))
    before = (dict(state.counts), dict(state.present), state.drift.rows, list(state.log_columns))
    naive, aware = dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    bad = _rows([naive, aware, naive, aware, None]).assign(extra=1)
    with pytest.raises(DriftError, match="column 'x' holds dates/times in this chunk"):
        state.update(bad)
    assert (
        dict(state.counts),
        dict(state.present),
        state.drift.rows,
        list(state.log_columns),
    ) == before
    state.update(_rows(list(range(20, 30))))  # the next good chunk is counted as usual
    assert (
        state.counts["rows"]
        == state.counts["requested"]
        == state.present["x"]
        == state.drift.rows
        == 30
    )


def test_a_refused_first_chunk_leaves_no_drift_state():
    spec = W.WindowSpec(
        END - pd.Timedelta("2h"),
        END,
        END - pd.Timedelta("1D"),
        END - pd.Timedelta("1D"),
        features=("x",),
    )
    state = W.WindowState(spec)
    with pytest.raises(DriftError):
        state.update(_rows([dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, tzinfo=dt.UTC)]))
    assert state.drift is None and state.present == {} and state.counts["rows"] == 0
    state.update(_rows([1.5, 2.5]))
    assert state.drift.rows == state.present["x"] == 2
