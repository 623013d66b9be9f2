"""A label file's labels follow the kind of the store they go into (round 47 fix F, item 1).

Round 47 stored the labels of a file holding a class written with a leading zero ('01') as text, the
store's kind decided by that file: a store takes one kind of label only, so daily files of
zero-padded classes (months 01-12) were refused by chance — day 1 '10,11' made a store of numbers
and day 2 '01,12' was refused as names (exit 2), and in the other order day 2's plain numbers were
refused from a store of names. Now a store of numbers reads '01' as the number 1 (as before round
47; a model of numeric classes reads '01' as 1 anyway), a store made of such codes stores a file of
plain numbers written as text as the text written, and a new store is decided by its first file.
A store of other names ('approved') still refuses numbers.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.labels import store as label_store


def _stored(store) -> dict:
    frame = label_store.read_labels(str(store))
    return dict(zip(frame["request_id"], frame["label"], strict=True))


def _ingest(tmp_path, capsys, name: str, body: str) -> int:
    (tmp_path / name).write_text(body)
    capsys.readouterr()
    return main(["labels", "ingest", "--labels", str(tmp_path / name), "--store", str(tmp_path / "store")])


@pytest.mark.parametrize("batch_rows", [1, 50_000])
def test_codes_after_plain_numbers_join_the_store_of_numbers(tmp_path, batch_rows):
    (tmp_path / "day1.csv").write_text("request_id,label\na,10\nb,11\n")
    (tmp_path / "day2.csv").write_text("request_id,label\nc,01\nd,12\n")
    for day in ("day1.csv", "day2.csv"):
        label_store.ingest_labels(str(tmp_path / day), str(tmp_path / "store"), batch_rows=batch_rows)
    assert _stored(tmp_path / "store") == {"a": 10.0, "b": 11.0, "c": 1.0, "d": 12.0}


@pytest.mark.parametrize("batch_rows", [1, 50_000])
def test_plain_numbers_after_codes_join_the_store_of_codes_as_written(tmp_path, batch_rows):
    (tmp_path / "day1.csv").write_text("request_id,label\na,01\nb,12\n")
    (tmp_path / "day2.csv").write_text("request_id,label\nc,10\nd,11\n")
    for day in ("day1.csv", "day2.csv"):
        label_store.ingest_labels(str(tmp_path / day), str(tmp_path / "store"), batch_rows=batch_rows)
    assert _stored(tmp_path / "store") == {"a": "01", "b": "12", "c": "10", "d": "11"}


def test_both_orders_through_the_cli_exit_0(tmp_path, capsys):
    assert _ingest(tmp_path, capsys, "a.csv", "request_id,label\na,10\nb,11\n") == 0
    assert _ingest(tmp_path, capsys, "b.csv", "request_id,label\nc,01\nd,12\n") == 0, capsys.readouterr().err
    (tmp_path / "store").rename(tmp_path / "numbers")
    assert _ingest(tmp_path, capsys, "c.csv", "request_id,label\na,01\nb,12\n") == 0
    assert _ingest(tmp_path, capsys, "d.csv", "request_id,label\nc,10\nd,11\n") == 0, capsys.readouterr().err


def test_json_lines_and_parquet_strings_follow_the_store(tmp_path):
    def jsonl(name, pairs):
        path = tmp_path / name
        path.write_text("".join(json.dumps({"request_id": k, "label": v}) + "\n" for k, v in pairs))
        return str(path)

    label_store.ingest_labels(jsonl("a.jsonl", [("a", "01"), ("b", "12")]), str(tmp_path / "codes"))
    label_store.ingest_labels(jsonl("b.jsonl", [("c", "10"), ("d", "7")]), str(tmp_path / "codes"), batch_rows=1)
    pd.DataFrame({"request_id": ["e"], "label": ["11"]}).to_parquet(tmp_path / "c.parquet")
    label_store.ingest_labels(str(tmp_path / "c.parquet"), str(tmp_path / "codes"))
    assert _stored(tmp_path / "codes") == {"a": "01", "b": "12", "c": "10", "d": "7", "e": "11"}

    label_store.ingest_labels(jsonl("c.jsonl", [("a", "10"), ("b", "7")]), str(tmp_path / "numbers"))
    label_store.ingest_labels(jsonl("d.jsonl", [("c", "10"), ("d", "01")]), str(tmp_path / "numbers"), batch_rows=1)
    assert _stored(tmp_path / "numbers") == {"a": 10.0, "b": 7.0, "c": 10.0, "d": 1.0}


def test_a_store_of_other_names_still_refuses_numbers(tmp_path, capsys):
    assert _ingest(tmp_path, capsys, "a.csv", "request_id,label\na,approved\nb,declined\n") == 0
    assert _ingest(tmp_path, capsys, "b.csv", "request_id,label\nc,1\n") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the store's labels are names" in err and "this file's are numbers" in err, err
    assert _stored(tmp_path / "store") == {"a": "approved", "b": "declined"}


def test_a_store_of_codes_refuses_numbers_written_as_numbers(tmp_path):
    # a Parquet column of integers holds no text written: numbers, refused from a store of names as before
    (tmp_path / "a.csv").write_text("request_id,label\na,01\n")
    label_store.ingest_labels(str(tmp_path / "a.csv"), str(tmp_path / "store"))
    pd.DataFrame({"request_id": ["b"], "label": [10]}).to_parquet(tmp_path / "b.parquet")
    with pytest.raises(label_store.DataValidationError, match="the store's labels are names"):
        label_store.ingest_labels(str(tmp_path / "b.parquet"), str(tmp_path / "store"))
    assert _stored(tmp_path / "store") == {"a": "01"}
