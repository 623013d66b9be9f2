"""Two ingests of different kinds of labels (numbers, names) into a store that holds no label file
yet both passed the "one kind of label" check (round 42, storage item 2).

The check read the store's newest label file and then the ingest wrote its own: a read then a write.
A first ingest into a new store skipped it altogether, and one whose manifest was made by another
ingest a moment ago (same key) went on, so a store ended up holding numbers and names, and a metric
would leave one kind out. Now the manifest records the kind of the labels (written once, by the
conditional create of ``storage.create_bytes`` that already decides the key); a later or concurrent
ingest of the other kind is refused (one line, exit 2) before its file is written.

The race is made deterministic: the second ingest's ``store_key`` (or its listing of the store's
files) answers what it read before the first one committed."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ctloop import storage
from ctloop.errors import DataValidationError
from ctloop.labels import store as label_store
from ctloop.labels.store import STORE_MANIFEST, ingest_labels, read_labels
from tests.fixtures.object_stores import fresh_bucket


@pytest.fixture(params=("file", "s3", "az"))
def root(request, tmp_path, monkeypatch):
    if request.param == "file":
        return str(tmp_path / "root")
    stores = request.getfixturevalue("stores")
    return fresh_bucket(stores[request.param], monkeypatch, tmp_path / "home", "ctloop")


def _labels(tmp_path, name: str, ids: list[str], labels: list) -> str:
    path = tmp_path / f"{name}.csv"
    pd.DataFrame({"request_id": ids, "label": labels}).to_csv(path, index=False)
    return str(path)


def test_a_second_first_ingest_of_names_into_a_store_of_numbers_is_refused(
    root, tmp_path, monkeypatch
):
    store = f"{root}/store"
    assert ingest_labels(_labels(tmp_path, "numbers", ["r1", "r2"], [0, 1]), store) == 2
    with monkeypatch.context() as m, pytest.raises(DataValidationError) as err:
        m.setattr(
            label_store, "store_key", lambda store_root: None
        )  # what it read before the first committed
        ingest_labels(_labels(tmp_path, "names", ["r3"], ["approved"]), store)
    assert (
        "the store's labels are numbers (_ctloop_labels.json), this file's are names (e.g. 'approved')"
        in str(err.value)
    )
    assert json.loads(storage.read_bytes(f"{store}/labels/{STORE_MANIFEST}"))["labels"] == "numbers"
    assert sorted(read_labels(store)["request_id"]) == ["r1", "r2"]
    assert len(storage.list_files(f"{store}/labels", ".parquet")) == 1


@pytest.mark.parametrize("root", ["file"], indirect=True)
def test_an_ingest_before_the_first_file_landed_is_refused(root, tmp_path, monkeypatch):
    store = f"{root}/store"
    assert ingest_labels(_labels(tmp_path, "names", ["r1"], ["approved"]), store) == 1
    with (
        monkeypatch.context() as m,
        pytest.raises(DataValidationError, match="store's labels are names"),
    ):
        m.setattr(
            label_store, "label_files", lambda store_root: []
        )  # listed before the first file landed
        ingest_labels(_labels(tmp_path, "numbers", ["r2"], [1]), store)
    assert len(storage.list_files(f"{store}/labels", ".parquet")) == 1


@pytest.mark.parametrize("root", ["file"], indirect=True)
def test_the_same_kind_is_kept_and_an_older_manifest_still_checks_files(
    root, tmp_path, monkeypatch
):
    store = f"{root}/store"
    assert ingest_labels(_labels(tmp_path, "a", ["r1"], [0]), store) == 1
    with monkeypatch.context() as m:
        m.setattr(label_store, "store_key", lambda store_root: None)
        assert ingest_labels(_labels(tmp_path, "b", ["r2"], [1]), store) == 1
    manifest = f"{store}/labels/{STORE_MANIFEST}"
    storage.write_bytes(
        manifest, b'{"key": "request_id", "format": 1}'
    )  # as an older ctloop wrote it
    with pytest.raises(DataValidationError, match=r"store's labels are numbers \(part-"):
        ingest_labels(_labels(tmp_path, "c", ["r3"], ["approved"]), store)
    assert sorted(read_labels(store)["request_id"]) == ["r1", "r2"]
