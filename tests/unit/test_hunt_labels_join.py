"""The in-memory join (``join_labels``: ``monitor``'s frame path, the serving analysis with a label
frame) picks the same latest label as the store index (``join_index``: ``monitor_model``'s path)."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.labels.join import join_index, join_labels, label_index

LOGS = pd.DataFrame({"request_id": ["a", "b"], "instance": 0, "prediction_1": 0.5, "has_request": True,
                     "has_response": True})


@pytest.mark.parametrize("times", [
    # 01:00Z (written in +09:00) then 02:00Z: the later in time is the second, the later as text the first
    ["2026-01-05T10:00:00+09:00", "2026-01-05T02:00:00Z"],
    # 02:00Z, then 02:29:59Z written with a space: the second is later in time, earlier as text
    ["2026-01-05T02:00:00Z", "2026-01-05 01:59:59-00:30"],
    ["2026-01-05T02:00:00.25+00:00", "2026-01-05T02:00:00.5+00:00"],  # in both orders the same
])
def test_the_latest_label_is_the_latest_in_time_not_as_text(times):
    labels = pd.DataFrame({"request_id": ["a", "a", "b"], "label": [1.0, 0.0, 1.0], "label_time": [*times, times[0]]})
    latest = pd.to_datetime(pd.Series(times), utc=True, format="ISO8601").idxmax()
    want = [[1.0, 0.0][latest], 1.0]
    assert join_index(LOGS, label_index(labels)).frame["label"].tolist() == want
    assert join_labels(LOGS, labels).frame["label"].tolist() == want
