"""Text classes written with a leading zero keep it when their labels are ingested (round 47).

The label store kept every label that reads as a number as that number, so the codes ``'01'`` and
``'007'`` of a model trained on text classes were stored as 1.0 and 7.0: ``'01'`` and ``'1'``
merged into one label, and no stored label was a class ``'01'`` (each was left out of the realized
metric and read back as the class ``'1'`` by a retraining). A label file whose labels include such
a code (CSV, a Parquet or JSON lines string) now stores its labels as the text written; files of
plain numbers are stored as numbers as before.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ctloop.errors import DataValidationError
from ctloop.labels import store as label_store


def _stored(store) -> dict:
    frame = label_store.read_labels(str(store))
    return dict(zip(frame["request_id"], frame["label"], strict=True))


def test_csv_codes_keep_their_leading_zeros(tmp_path):
    (tmp_path / "labels.csv").write_text("request_id,label\na,01\nb,007\nc,1\nd,10\n")
    assert label_store.ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store")) == 4
    assert _stored(tmp_path / "store") == {"a": "01", "b": "007", "c": "1", "d": "10"}


@pytest.mark.parametrize("batch_rows", [1, 2, 50_000])
def test_a_code_in_a_later_batch_reads_the_whole_file_as_written(tmp_path, batch_rows):
    (tmp_path / "labels.csv").write_text("request_id,label\na,10\nb,7\nc,02\n")
    assert label_store.ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store"), batch_rows=batch_rows) == 3
    assert _stored(tmp_path / "store") == {"a": "10", "b": "7", "c": "02"}


def test_parquet_and_json_lines_string_codes_stay_text(tmp_path):
    pd.DataFrame({"request_id": ["a", "b", "c"], "label": ["01", "02", "10"]}).to_parquet(tmp_path / "l.parquet")
    label_store.ingest_labels(str(tmp_path / "l.parquet"), str(tmp_path / "pq"), batch_rows=1)
    assert _stored(tmp_path / "pq") == {"a": "01", "b": "02", "c": "10"}
    (tmp_path / "l.jsonl").write_text("".join(json.dumps({"request_id": k, "label": v}) + "\n"
                                              for k, v in (("a", "1"), ("b", "007"))))
    label_store.ingest_labels(str(tmp_path / "l.jsonl"), str(tmp_path / "js"))
    assert _stored(tmp_path / "js") == {"a": "1", "b": "007"}


def test_plain_numbers_are_still_numbers(tmp_path):
    (tmp_path / "labels.csv").write_text("request_id,label\na,0\nb,1\nc,0.5\nd,-2\n")
    label_store.ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store"))
    assert _stored(tmp_path / "store") == {"a": 0.0, "b": 1.0, "c": 0.5, "d": -2.0}


def test_codes_into_a_store_of_numbers_are_read_as_numbers(tmp_path):
    # fix 47F: the store's kind decides (refused before: daily files of months 01-12 failed by chance)
    (tmp_path / "numbers.csv").write_text("request_id,label\na,1\n")
    (tmp_path / "codes.csv").write_text("request_id,label\nb,01\n")
    label_store.ingest_labels(str(tmp_path / "numbers.csv"), str(tmp_path / "store"))
    label_store.ingest_labels(str(tmp_path / "codes.csv"), str(tmp_path / "store"))
    assert _stored(tmp_path / "store") == {"a": 1.0, "b": 1.0}


def test_a_json_number_beside_a_code_is_refused_as_a_mix(tmp_path):
    (tmp_path / "l.jsonl").write_text('{"request_id": "a", "label": 1}\n{"request_id": "b", "label": "01"}\n')
    with pytest.raises(DataValidationError, match="mix numbers and text"):
        label_store.ingest_labels(str(tmp_path / "l.jsonl"), str(tmp_path / "store"))


def test_a_json_lines_code_after_number_strings_is_read_again_as_codes(tmp_path):
    # JSON lines are only read in batches: the file is read a second time with every string a class
    (tmp_path / "l.jsonl").write_text("".join(json.dumps({"request_id": k, "label": v}) + "\n"
                                              for k, v in (("a", "10"), ("b", "7"), ("c", "01"))))
    assert label_store.ingest_labels(str(tmp_path / "l.jsonl"), str(tmp_path / "js"), batch_rows=1) == 3
    assert _stored(tmp_path / "js") == {"a": "10", "b": "7", "c": "01"}
