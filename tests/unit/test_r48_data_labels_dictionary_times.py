"""A Parquet label file whose ``label_time`` is a dictionary column (pyarrow's ``dictionary_encode``,
or pandas' ``category`` written by ``to_parquet``) is read as its values. Before round 48 a file whose
labels share one time (a daily batch's, every row timed at the batch's end) failed ``ctloop labels
ingest`` with pandas' "TypeError: Cannot setitem on a Categorical with a new category (False)" (a
traceback, exit 1): the column's one category mapped to one flag, which pandas kept as a category.
A bad value in it is named as in any other column."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.cli import main
from ctloop.labels.store import read_labels


def _ingest(tmp_path, times):
    src, store = tmp_path / "labels.parquet", tmp_path / "store"
    pq.write_table(pa.table({"request_id": ["a", "b", "c"], "label": [1, 0, 1], "label_time": times}), src)
    return main(["labels", "ingest", "--labels", str(src), "--store", str(store)]), store


def test_a_dictionary_label_time_of_one_time_is_read(tmp_path):
    code, store = _ingest(tmp_path, pa.array(["2026-01-01T06:00:00+01:00"] * 3).dictionary_encode())
    assert code == 0
    assert set(read_labels(str(store))["label_time"]) == {"2026-01-01T05:00:00+00:00"}


def test_a_category_label_time_written_by_pandas_is_read(tmp_path):
    src, store = tmp_path / "labels.parquet", tmp_path / "store"
    pd.DataFrame({"request_id": ["a", "b"], "label": [1, 0],
                  "label_time": pd.Categorical(["2026-01-01T00:00:00Z"] * 2)}).to_parquet(src)
    assert main(["labels", "ingest", "--labels", str(src), "--store", str(store)]) == 0
    assert set(read_labels(str(store))["label_time"]) == {"2026-01-01T00:00:00+00:00"}


@pytest.mark.parametrize("times", [
    pa.array(["2026-01-01T00:00:00Z", "2026-01-02T00:00:00+01:00", "2026-01-01T00:00:00Z"]).dictionary_encode(),
    pa.array(pd.to_datetime(["2026-01-01T00:00:00", "2026-01-01T23:00:00", "2026-01-01T00:00:00"], utc=True)).dictionary_encode(),
], ids=["text", "timestamps"])
def test_a_dictionary_label_time_is_read_as_its_values(tmp_path, times):
    code, store = _ingest(tmp_path, times)
    assert code == 0
    stored = read_labels(str(store)).set_index("request_id")["label_time"].to_dict()
    assert stored == {"a": "2026-01-01T00:00:00+00:00", "b": "2026-01-01T23:00:00+00:00",
                      "c": "2026-01-01T00:00:00+00:00"}


def test_a_bad_time_in_a_dictionary_column_is_named(tmp_path, capsys):
    code, store = _ingest(tmp_path, pa.array(["2026-01-01T00:00:00Z", "04/12/2026", None]).dictionary_encode())
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "label_time must be an ISO 8601 time" in err and "'04/12/2026'" in err, err


@pytest.mark.parametrize("keys", [pa.array(["k-1"] * 3).dictionary_encode(), pa.array([7] * 3).dictionary_encode(),
                                  pa.array(["k-1", "k-2", "k-1"]).dictionary_encode()], ids=["one_text", "one_int", "two"])
def test_a_dictionary_key_column_is_read_as_its_values(tmp_path, keys):
    # one key's labels over three days (before round 48 a text key of one value failed: "'Categorical' with dtype
    # category does not support reduction 'all'"); the latest of a key is its label
    src, store = tmp_path / "labels.parquet", tmp_path / "store"
    pq.write_table(pa.table({"request_id": keys, "label": [1, 0, 1],
                             "label_time": ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]}), src)
    assert main(["labels", "ingest", "--labels", str(src), "--store", str(store)]) == 0
    stored = read_labels(str(store))
    assert stored["request_id"].tolist() == [str(k) for k in keys.dictionary.take(keys.indices).to_pylist()]
