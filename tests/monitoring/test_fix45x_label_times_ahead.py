"""Two labels of one key, both ahead of the ingest's clock but within FUTURE_SKEW (a producer
whose clock runs a few minutes fast sending a label and its correction in one file): fix45j
stored every such time as the ingest's clock, so the two collapsed to one time and the file was
refused as "the same label_time" though it gave different ones (review 3a). They are now stored
in the last second before the clock in the order given: the later given label wins, equal given
times still clash, and a later ingest still wins over both."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import DataValidationError
from ctloop.labels.join import join_store
from ctloop.labels.store import ingest_labels

BATCHES = [1, 50_000]


def _logs(now):
    return pd.DataFrame({"request_id": ["r1"], "instance": [0], "prediction_1": [0.7],
                         "has_response": [True], "_time": [now], "model_version": ["1"]})


def _label(store, now) -> float:
    return join_store(_logs(now), store).frame["label"].tolist()[0]


@pytest.mark.parametrize("batch_rows", BATCHES)
def test_the_later_given_of_two_labels_ahead_of_the_clock_wins(tmp_path, batch_rows):
    now = pd.Timestamp.now("UTC")
    later, earlier = ((now + pd.Timedelta(m)).isoformat() for m in ("20min", "10min"))
    (tmp_path / "a.csv").write_text(f"request_id,label,label_time\nr1,0,{later}\nr1,1,{earlier}\n")
    assert ingest_labels(str(tmp_path / "a.csv"), str(tmp_path / "store"), batch_rows=batch_rows) == 2
    assert _label(str(tmp_path / "store"), now) == 0.0
    (tmp_path / "b.csv").write_text("request_id,label\nr1,1\n")  # a correction ingested later wins
    ingest_labels(str(tmp_path / "b.csv"), str(tmp_path / "store"), batch_rows=batch_rows)
    assert _label(str(tmp_path / "store"), now) == 1.0


@pytest.mark.parametrize("batch_rows", BATCHES)
def test_two_labels_at_one_time_ahead_of_the_clock_still_clash(tmp_path, batch_rows):
    at = (pd.Timestamp.now("UTC") + pd.Timedelta("10min")).isoformat()
    (tmp_path / "a.csv").write_text(f"request_id,label,label_time\nr1,0,{at}\nr1,1,{at}\n")
    with pytest.raises(DataValidationError, match="same label_time"):
        ingest_labels(str(tmp_path / "a.csv"), str(tmp_path / "store"), batch_rows=batch_rows)
