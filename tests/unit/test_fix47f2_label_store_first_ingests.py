"""Two first ingests into a new label store at once: the one that loses the manifest reads its file
as the winner's store reads it (round 47 fix 2F, item 2).

A store of numbers reads a later '01' as the number 1; a store made from zero-padded codes
('"codes": true') reads a later '10' as the text '10' (fix 47F). Two first ingests at once both
staged their file as the first of a new store: 'oct' ('10,11') as numbers, 'jan' ('01,12') as codes;
the one whose manifest write lost was then refused as the other kind (exit 2) — by chance, though
taken one after the other both files are. Now the loser stages its file once more as the winner's
store reads it. The race is made deterministic as in test_r42_storage_label_kind_race: the second
ingest's ``store_key`` answers what it read before the first one committed.
"""

from __future__ import annotations

import json

import pytest

from ctloop import storage
from ctloop.errors import DataValidationError
from ctloop.labels import store as label_store

OCT = "request_id,label\na,10\nb,11\n"
JAN = "request_id,label\nc,01\nd,12\n"


def _stored(store) -> dict:
    frame = label_store.read_labels(str(store))
    return dict(zip(frame["request_id"], frame["label"], strict=True))


def _race(tmp_path, monkeypatch, first: str, second: str, batch_rows: int = 50_000) -> str:
    store = str(tmp_path / "store")
    (tmp_path / "first.csv").write_text(first)
    (tmp_path / "second.csv").write_text(second)
    assert label_store.ingest_labels(str(tmp_path / "first.csv"), store) == 2
    with monkeypatch.context() as m:
        m.setattr(
            label_store, "store_key", lambda store_root: None
        )  # read before the first committed
        assert (
            label_store.ingest_labels(str(tmp_path / "second.csv"), store, batch_rows=batch_rows)
            == 2
        )
    return store


@pytest.mark.parametrize("batch_rows", [1, 50_000])
def test_codes_that_lose_to_a_store_of_numbers_are_numbers(tmp_path, monkeypatch, batch_rows):
    store = _race(tmp_path, monkeypatch, OCT, JAN, batch_rows)
    assert _stored(store) == {"a": 10, "b": 11, "c": 1, "d": 12}
    assert "codes" not in json.loads(
        storage.read_bytes(f"{store}/labels/{label_store.STORE_MANIFEST}")
    )


@pytest.mark.parametrize("batch_rows", [1, 50_000])
def test_plain_numbers_that_lose_to_a_store_of_codes_are_text(tmp_path, monkeypatch, batch_rows):
    store = _race(tmp_path, monkeypatch, JAN, OCT, batch_rows)
    assert _stored(store) == {"a": "10", "b": "11", "c": "01", "d": "12"}


def test_numbers_that_lose_to_a_store_of_other_names_are_still_refused(tmp_path, monkeypatch):
    with pytest.raises(DataValidationError, match="the store's labels are names"):
        _race(tmp_path, monkeypatch, "request_id,label\na,approved\nb,denied\n", OCT)
    assert _stored(tmp_path / "store") == {"a": "approved", "b": "denied"}
