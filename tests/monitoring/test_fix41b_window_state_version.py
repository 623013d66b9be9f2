"""A window state saved by the ctloop before the date/time change (state version 4) summarised a
date feature as text-like objects; this ctloop summarises it as dates (family ``temporal``) and
its spec names the date columns. The version was not bumped, so such a state loaded, then merge,
compare or update raised a DriftError with advice about the user's files (review B, finding 2).
Now the version is 5 and load says the state was written by another ctloop."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from ctloop.errors import InferenceLogError
from ctloop.monitoring import window as W

END = pd.Timestamp("2026-01-05T01:00:00Z")


def _state() -> W.WindowState:
    reference = pd.DataFrame({"d": [dt.date(2025, 3, 1) + dt.timedelta(days=i) for i in range(40)]})
    spec = W.WindowSpec(END - pd.Timedelta("2h"), END, END - pd.Timedelta("1D"), END - pd.Timedelta("1D"),
                        features=("d",), temporal=W.temporal_columns(reference))
    rows = pd.DataFrame({"_time": [END - pd.Timedelta(minutes=i) for i in range(40)],
                         "d": [f"2025-03-{1 + i % 28:02d}" for i in range(40)]})
    return W.WindowState(spec).update(rows)


def test_the_state_of_a_date_feature_is_of_dates_and_round_trips(tmp_path):
    state = _state()
    assert state.drift.columns["d"].family == "temporal"
    state.save(str(tmp_path / "s"))
    again = W.WindowState.load(str(tmp_path / "s"))
    assert again.spec == state.spec and again.merge(state).drift.columns["d"].values == 80


def test_a_version_4_state_is_refused_as_written_by_another_ctloop(tmp_path):
    state = _state()
    state.save(str(tmp_path / "s"))
    path = tmp_path / "s" / "state.json"
    data = json.loads(path.read_text())
    data["version"] = 4  # what the ctloop before this change wrote (its spec named no date columns)
    data["spec"].pop("temporal")
    path.write_text(json.dumps(data))
    with pytest.raises(InferenceLogError, match=rf"of version {W.STATE_VERSION} \(version 4, written by another ctloop: re-run "
                                                r"the monitoring run"):
        W.WindowState.load(str(tmp_path / "s"))
