"""Fix 45j, the label store's label_time rules (review of round 45's future-time refusal):

* a label_time ahead of the clock by less than FUTURE_SKEW was stored as given, so a correction
  ingested within that hour without label_time (given the ingest's time) lost to it: acknowledged
  and never joined. The time is now stored as the ingest's when it is ahead of the clock;
* the skew itself: a local time east of UTC written without its offset (Tokyo's now) is refused, a
  time 59 minutes ahead is kept — a test a skew of ten years fails;
* a file with a far-future time then an unreadable one was refused for not_future when read a row
  at a time and for iso_8601 when read whole: batching now gives the whole file's refusal."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import DataValidationError
from ctloop.labels.join import join_store
from ctloop.labels.store import ingest_labels


def _write(path, header, rows):
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return str(path)


def _joined(store):
    logs = pd.DataFrame({"request_id": ["r1"], "instance": [0], "prediction_1": [0.7], "has_response": [True],
                         "_time": [pd.Timestamp.now("UTC")], "model_version": ["1"]})
    return join_store(logs, store).frame["label"].tolist()


@pytest.mark.parametrize("batch_rows", [1, 50_000], ids=["streamed", "one-batch"])
def test_a_correction_without_label_time_wins_over_a_label_a_little_ahead_of_the_clock(tmp_path, batch_rows):
    ahead = (pd.Timestamp.now("UTC") + pd.Timedelta("50min")).isoformat()
    store = str(tmp_path / "store")
    assert ingest_labels(_write(tmp_path / "a.csv", "request_id,label,label_time", [("r1", 1, ahead)]), store,
                         batch_rows=batch_rows) == 1
    assert ingest_labels(_write(tmp_path / "b.csv", "request_id,label", [("r1", 0)]), store,
                         batch_rows=batch_rows) == 1
    assert _joined(store) == [0.0]


def test_a_tokyo_local_time_without_offset_is_refused_and_59_minutes_ahead_is_kept(tmp_path):
    now = pd.Timestamp.now("UTC")
    tokyo = now.tz_convert("Asia/Tokyo").strftime("%Y-%m-%dT%H:%M:%S")  # read as UTC: 9 hours ahead
    with pytest.raises(DataValidationError, match=rf"rule 'not_future' in 1 row\(s\).*row 1: '{tokyo}'"):
        ingest_labels(_write(tmp_path / "tokyo.csv", "request_id,label,label_time", [("r1", 1, tokyo)]),
                      str(tmp_path / "refused"))
    assert not (tmp_path / "refused").exists()
    soon = (now + pd.Timedelta("59min")).strftime("%Y-%m-%dT%H:%M:%SZ")
    store = str(tmp_path / "store")
    assert ingest_labels(_write(tmp_path / "soon.csv", "request_id,label,label_time", [("r1", 1, soon)]), store) == 1
    assert _joined(store) == [1.0]


@pytest.mark.parametrize("batch_rows", [1, 2, 50_000], ids=["row-by-row", "two-rows", "one-batch"])
def test_a_far_future_time_before_an_unreadable_one_is_refused_alike_whatever_the_batches(tmp_path, batch_rows):
    source = _write(tmp_path / "l.csv", "request_id,label,label_time",
                    [("r1", 1, "2099-01-01T00:00:00Z"), ("r2", 0, "04/12/2026"), ("r3", 1, "2026-01-01T00:00:00Z")])
    with pytest.raises(DataValidationError, match=r"rule 'iso_8601' in 1 row\(s\).*row 2: '04/12/2026'$"):
        ingest_labels(source, str(tmp_path / "store"), batch_rows=batch_rows)
    assert not (tmp_path / "store").exists()
