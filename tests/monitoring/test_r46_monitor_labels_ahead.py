"""Round 46: two labels of one key, both ahead of the ingest's clock but within FUTURE_SKEW (a
producer whose clock runs a few minutes fast sending a label and its correction in one file),
were refused as "the same label_time": both are stored as the ingest's clock (fix45j) and the
file's check compared the stored times. The check now compares the times as given: the later
given label wins (the earlier one, which could never win a join against a row of the same file
at the same stored time, is not stored), equal given times with two labels still clash, and a
label ingested later still wins over both (the squeeze of 49a92225, reverted, let a label in
the clock's last second beat a later correction from a fast clock; stored times are unchanged)."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import DataValidationError
from ctloop.labels.join import join_store
from ctloop.labels.store import read_labels

BATCHES = [1, 50_000]


def _logs(now):
    return pd.DataFrame({"request_id": ["r1"], "instance": [0], "prediction_1": [0.7],
                         "has_response": [True], "_time": [now], "model_version": ["1"]})


def _label(store, now) -> float:
    return join_store(_logs(now), store).frame["label"].tolist()[0]


def _ingest(path, text, store, batch_rows):
    from ctloop.labels.store import ingest_labels

    path.write_text(text)
    return ingest_labels(str(path), store, batch_rows=batch_rows)


@pytest.mark.parametrize("batch_rows", BATCHES, ids=["streamed", "one-batch"])
def test_the_later_given_of_two_labels_ahead_of_the_clock_wins(tmp_path, batch_rows):
    now = pd.Timestamp.now("UTC")
    later, earlier = ((now + pd.Timedelta(m)).isoformat() for m in ("20min", "10min"))
    store = str(tmp_path / "store")
    assert _ingest(tmp_path / "a.csv", f"request_id,label,label_time\nr1,0,{later}\nr1,1,{earlier}\n", store,
                   batch_rows) == 1
    assert _label(store, now) == 0.0
    assert read_labels(store)["label"].tolist() == [0.0]
    _ingest(tmp_path / "b.csv", "request_id,label\nr1,1\n", store, batch_rows)  # a correction ingested later wins
    assert _label(store, now) == 1.0


@pytest.mark.parametrize("batch_rows", BATCHES, ids=["streamed", "one-batch"])
def test_a_label_ahead_beats_one_given_at_the_clock_in_the_same_file(tmp_path, batch_rows):
    now = pd.Timestamp.now("UTC")
    ahead = (now + pd.Timedelta("10min")).isoformat()
    past = (now - pd.Timedelta("1s")).isoformat()
    store = str(tmp_path / "store")
    _ingest(tmp_path / "a.csv", f"request_id,label,label_time\nr1,1,{ahead}\nr1,0,{past}\nr2,1,{past}\n", store,
            batch_rows)
    assert _label(store, now) == 1.0  # the later given time, whatever the rows' order


@pytest.mark.parametrize("batch_rows", BATCHES, ids=["streamed", "one-batch"])
def test_two_labels_at_one_time_ahead_of_the_clock_still_clash(tmp_path, batch_rows):
    at = (pd.Timestamp.now("UTC") + pd.Timedelta("10min")).isoformat()
    store = tmp_path / "store"
    with pytest.raises(DataValidationError, match="same label_time"):
        _ingest(tmp_path / "a.csv", f"request_id,label,label_time\nr1,0,{at}\nr1,1,{at}\n", str(store), batch_rows)
    assert not store.exists()


@pytest.mark.parametrize("batch_rows", BATCHES, ids=["streamed", "one-batch"])
def test_a_later_correction_from_a_fast_clock_beats_a_label_of_the_clocks_last_second(tmp_path, batch_rows):
    # review 4 of 49a92225: an accurate label given just before the ingest's clock, then a
    # correction from a producer whose clock runs fast, ingested later: the correction wins
    now = pd.Timestamp.now("UTC")
    store = str(tmp_path / "store")
    _ingest(tmp_path / "a.csv", f"request_id,label,label_time\nr1,0,{(now - pd.Timedelta('200ms')).isoformat()}\n",
            store, batch_rows)
    fast = (pd.Timestamp.now("UTC") + pd.Timedelta("30min")).isoformat()
    _ingest(tmp_path / "b.csv", f"request_id,label,label_time\nr1,1,{fast}\n", store, batch_rows)
    assert _label(store, now) == 1.0


def test_the_whole_file_path_keeps_the_later_given_label(tmp_path):
    # True/False labels in one batch, names in another: read whole (_ingest_whole), the same rule
    now = pd.Timestamp.now("UTC")
    later, earlier = ((now + pd.Timedelta(m)).isoformat() for m in ("20min", "10min"))
    store = str(tmp_path / "store")
    text = f"request_id,label,label_time\nr1,True,{later}\nr1,no,{earlier}\nr2,yes,{earlier}\n"
    assert _ingest(tmp_path / "a.csv", text, store, 1) == 2
    assert _label(store, now) == "True"
