"""Round 45, monitoring on real late labels: a label_time in the future (a typo'd year, a local time
written without its offset east of UTC) won over every correction of its key ingested before that
time: the correction was acknowledged and never joined. Now refused at ingest, nothing written."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import DataValidationError
from ctloop.labels.store import ingest_labels

NOW = pd.Timestamp.now("UTC")


def _write(path, rows):
    path.write_text("request_id,label,label_time\n" + "".join(f"{k},{v},{t}\n" for k, v, t in rows))
    return str(path)


@pytest.mark.parametrize("batch_rows", [1, 50_000], ids=["streamed", "one-batch"])
def test_a_label_time_past_the_clock_is_refused_naming_row_and_value(tmp_path, batch_rows):
    ahead = (NOW + pd.Timedelta(days=36 * 365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    source = _write(tmp_path / "labels.csv", [("r0", 1, "2026-01-01T00:00:00Z"), ("r1", 1, ahead), ("r2", 0, ahead)])
    store = tmp_path / "store"
    with pytest.raises(DataValidationError, match=rf"'label_time' breaks rule 'not_future' in 2 row\(s\).*row 2: '{ahead}'"):
        ingest_labels(source, str(store), batch_rows=batch_rows)
    assert not store.exists()


def test_a_label_time_within_the_clock_skew_is_kept_and_a_later_correction_wins(tmp_path):
    from ctloop.labels.join import join_store
    from ctloop.labels.store import FUTURE_SKEW

    soon = NOW + pd.Timedelta(FUTURE_SKEW) / 2  # a producer's clock a little ahead: kept
    store = str(tmp_path / "store")
    assert ingest_labels(_write(tmp_path / "a.csv", [("r1", 1, soon.isoformat())]), store) == 1
    assert ingest_labels(_write(tmp_path / "b.csv", [("r1", 0, (soon + pd.Timedelta("1s")).isoformat())]), store) == 1
    logs = pd.DataFrame({"request_id": ["r1"], "instance": [0], "prediction_1": [0.7], "has_response": [True],
                         "_time": [NOW], "model_version": ["1"]})
    assert join_store(logs, store).frame["label"].tolist() == [0.0]
