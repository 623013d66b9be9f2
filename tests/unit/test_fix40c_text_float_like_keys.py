"""Text ids that look like a float's repr are keys as written (review revC #3).

Round 40 keyed a float id below 1e-4 positionally (``0.00001``, not ``str()``'s ``1e-05``) and, so
that stores written before still join, read every *text* key of that form as the positional one.
Then the distinct text ids ``1e-05`` and ``0.00001`` (a CSV, a ``meta_*`` header) were one key: one
label dropped without a word, against docs/monitoring.md ("CSV keys are read as written"). Now only
keys that came from floats are rewritten: a float column as it is read, and a label file written
before this round (no key-format marker in its Parquet metadata), whose ``1e-05`` keys were floats'.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.labels.join import join_store, latest_labels
from ctloop.labels.store import ingest_labels, normalise_keys, read_labels

TIME = "2026-01-06T10:00:00Z"


def _logs(keys) -> pd.DataFrame:
    return pd.DataFrame({"request_id": list(keys), "instance": 0, "prediction_1": 0.5, "has_request": True,
                         "has_response": True})


def _joined(store: str, keys) -> dict:
    """key → label, by the store's index join and by the frame join (read_labels)."""
    by_index = join_store(_logs(keys), store).frame
    _, latest, _ = latest_labels(read_labels(store))
    frame = dict(zip(latest["_key"], latest["label"], strict=True))
    index = dict(zip(by_index["request_id"], by_index["label"], strict=True))
    assert index == {k: v for k, v in frame.items() if k in set(keys)}
    return frame


def test_text_keys_are_never_rewritten():
    assert normalise_keys(pd.Series(["1e-05", "0.00001", "-2.5e-07"])).tolist() == ["1e-05", "0.00001", "-2.5e-07"]
    assert normalise_keys(pd.Series(["1e-05", 7], dtype=object)).tolist() == ["1e-05", "7"]  # mixed column
    assert normalise_keys(pd.Series([0.00001])).tolist() == ["0.00001"]  # a float: positional, as before


@pytest.mark.parametrize("order", [["1e-05", "0.00001"], ["0.00001", "1e-05"]])
def test_two_text_ids_in_one_csv_keep_their_labels(tmp_path, order):
    (tmp_path / "l.csv").write_text("request_id,label,label_time\n"
                                    + "".join(f"{k},{i},{TIME}\n" for i, k in enumerate(order)))
    store = str(tmp_path / "s")
    assert ingest_labels(str(tmp_path / "l.csv"), store) == 2
    assert _joined(store, order) == {k: i for i, k in enumerate(order)}


@pytest.mark.parametrize("first", ["float", "text"])
def test_a_float_id_and_a_text_id_in_two_ingests(tmp_path, first):
    """A Parquet float id 0.00001 (key "0.00001") and a CSV text id "1e-05": two keys, in either order."""
    pq.write_table(pa.table({"request_id": [0.00001], "label": [1.0], "label_time": [TIME]}), tmp_path / "f.parquet")
    (tmp_path / "t.csv").write_text(f"request_id,label,label_time\n1e-05,0,{TIME}\n")
    files = [str(tmp_path / "f.parquet"), str(tmp_path / "t.csv")]
    store = str(tmp_path / "s")
    for f in files if first == "float" else files[::-1]:
        assert ingest_labels(f, store) == 1
    assert _joined(store, ["0.00001", "1e-05"]) == {"0.00001": 1, "1e-05": 0}


def test_a_store_written_before_still_reads_its_float_keys(tmp_path):
    """A part file of a store written before round 40 holds a float id as str() wrote it ("1e-05"),
    without the key-format marker: it still joins the id 0.00001."""
    labels = tmp_path / "s" / "labels"
    labels.mkdir(parents=True)
    (labels / "_ctloop_labels.json").write_text('{"key": "request_id", "format": 1}')
    pd.DataFrame({"request_id": ["1e-05"], "label": [1.0], "label_time": [TIME]}).to_parquet(
        labels / "part-20260101T000000000000Z-0.parquet", index=False)
    assert _joined(str(tmp_path / "s"), ["0.00001"]) == {"0.00001": 1}
