"""The drift state moved to version 4 this round (numbers stored as objects, int64/float64 and
Decimals re-counted in any chunk order; a version-3 state could give a wrong verdict silently). A
monitoring window state embeds a drift state, but its own version stayed 7: a window state a
ctloop before this change saved loaded as "version 7", then its drift part stopped the run with
"drift state version 3 is not supported ... recompute the state", advice about a file the user
never made. Now the window state is version 8 and such a state is refused as the window's own:
written by another ctloop, re-run the monitoring run (its tasks used different images)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ctloop.drift import streaming
from ctloop.errors import InferenceLogError
from ctloop.monitoring import window as W

END = pd.Timestamp("2026-01-05T01:00:00Z")


def test_a_window_state_with_a_version_3_drift_state_is_refused_as_another_ctloops(tmp_path):
    spec = W.WindowSpec(END - pd.Timedelta("2h"), END, END - pd.Timedelta("1D"), END - pd.Timedelta("1D"),
                        features=("x",))
    rows = pd.DataFrame({"_time": [END - pd.Timedelta(minutes=i) for i in range(20)], "x": range(20)})
    W.WindowState(spec).update(rows).save(str(tmp_path / "s"))
    path = tmp_path / "s" / "state.json"
    data = json.loads(path.read_text())
    assert data["version"] == W.STATE_VERSION and streaming.STATE_VERSION == 4
    data["version"] = 7  # what the ctloop before this change wrote: its drift state was of version 3
    path.write_text(json.dumps(data))
    with pytest.raises(InferenceLogError, match=r"of version \d+ \(version 7, written by another ctloop: re-run "
                                                r"the monitoring run"):
        W.WindowState.load(str(tmp_path / "s"))
