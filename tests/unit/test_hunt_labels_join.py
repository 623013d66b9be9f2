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


def _store_with_a_stray_file(tmp_path, stray: pd.DataFrame) -> str:
    from ctloop.cli import main

    (tmp_path / "a.csv").write_text("request_id,label\na,1\n")
    assert main(["labels", "ingest", "--labels", str(tmp_path / "a.csv"), "--store", str(tmp_path / "store")]) == 0
    stray.to_parquet(tmp_path / "store" / "labels" / "part-20990101T000000000000Z-0123456789abcdef0123456789abcdef.parquet")
    return str(tmp_path / "store")


@pytest.mark.parametrize("stray, token", [
    # a file copied into the store by hand (no label_time): a KeyError traceback in every join
    (pd.DataFrame({"request_id": ["b"], "label": [1.0]}), "has no column 'label_time'"),
    (pd.DataFrame({"request_id": ["b"], "outcome": [1.0], "label_time": ["2026-01-01T00:00:00+00:00"]}),
     "has no column 'label'"),
    # a file with a column more: the store's one-key error did not say which of its files
    (pd.DataFrame({"request_id": ["b"], "label": [1.0], "label_time": ["2026-01-01T00:00:00+00:00"], "note": ["x"]}),
     "found ['request_id', 'note']"),
])
def test_a_label_file_the_ingest_did_not_write_is_one_line_naming_it(tmp_path, capsys, stray, token):
    from ctloop.cli import main
    from ctloop.errors import DataError
    from ctloop.labels.join import index_store

    store = _store_with_a_stray_file(tmp_path, stray)
    with pytest.raises(DataError) as err:
        index_store(store)
    assert token in str(err.value) and "part-20990101T000000000000Z-" in str(err.value), err.value
    (tmp_path / "logs").mkdir()
    code = main(["labels", "report", "--log-root", str(tmp_path / "logs"), "--store", store, "--model-name", "m"])
    out = capsys.readouterr().err
    assert code == 2 and token in out and out.count("\n") == 1, out
