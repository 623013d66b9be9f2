"""Two first ingests into one new label store, keyed differently, both wrote the manifest (round 41,
item 6): each read no manifest (``store_key``), then each wrote its own, the later one over the earlier,
and the store held files keyed by ``request_id`` under a manifest saying ``meta_x_order_id``: a lost
update, the one-key-per-store rule broken without a word. Now the manifest is created with a conditional
write the store checks (``storage.create_bytes``: a local hard link, S3 ``If-None-Match: *`` — moto 5.2.5
``s3/responses.py`` checks it on PutObject —, Azure ``If-None-Match: *``; GCS ``ifGenerationMatch=0``,
which the GCS emulator of these tests, gcp-storage-emulator 2026.7.19, does not check): the second writer
finds it made, reads its key and is refused in one line when it is another key, before its file is
written; with the same key both ingests are kept.

The race is made deterministic: the second writer's ``store_key`` answers what it read before the first
writer committed (no manifest)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from ctloop.labels import store as label_store
from ctloop.labels.store import STORE_MANIFEST, ingest_labels, read_labels
from tests.fixtures.object_stores import fresh_bucket


@pytest.fixture(params=("file", "s3", "az"))
def root(request, tmp_path, monkeypatch):
    if request.param == "file":
        return str(tmp_path / "root")
    stores = request.getfixturevalue("stores")
    return fresh_bucket(stores[request.param], monkeypatch, tmp_path / "home", "ctloop")


def _labels(tmp_path, key: str, ids: list[str]) -> str:
    path = tmp_path / f"{key}.csv"
    pd.DataFrame({key: ids, "label": [1] * len(ids)}).to_csv(path, index=False)
    return str(path)




def test_a_second_first_ingest_with_another_key_is_refused_and_the_store_kept(root, tmp_path, monkeypatch):
    store = f"{root}/store"
    assert ingest_labels(_labels(tmp_path, "request_id", ["r1", "r2"]), store, key="request_id") == 2
    with monkeypatch.context() as m, pytest.raises(ConfigError, match="keyed by 'request_id', not 'meta_x_order_id'"):
        m.setattr(label_store, "store_key", lambda store_root: None)  # what it read before the first committed
        ingest_labels(_labels(tmp_path, "meta_x_order_id", ["o1"]), store, key="meta_x_order_id")
    assert json.loads(storage.read_bytes(f"{store}/labels/{STORE_MANIFEST}"))["key"] == "request_id"
    assert sorted(read_labels(store)["request_id"]) == ["r1", "r2"]
    assert len(storage.list_files(f"{store}/labels", ".parquet")) == 1


def test_a_second_first_ingest_with_the_same_key_is_kept(root, tmp_path, monkeypatch):
    store = f"{root}/store"
    assert ingest_labels(_labels(tmp_path, "request_id", ["r1"]), store, key="request_id") == 1
    with monkeypatch.context() as m:
        m.setattr(label_store, "store_key", lambda store_root: None)
        assert ingest_labels(_labels(tmp_path, "request_id", ["r2"]), store, key="request_id") == 1
    assert sorted(read_labels(store)["request_id"]) == ["r1", "r2"]


@pytest.mark.parametrize("scheme", ["file", "s3", "az"])
def test_create_bytes_writes_once(scheme, tmp_path, monkeypatch, request):
    base = str(tmp_path / "c") if scheme == "file" else fresh_bucket(
        request.getfixturevalue("stores")[scheme], monkeypatch, tmp_path / "home", "c")
    assert storage.create_bytes(f"{base}/m.json", b"first") is True
    assert storage.create_bytes(f"{base}/m.json", b"second") is False
    assert storage.read_bytes(f"{base}/m.json") == b"first"
    assert storage.list_files(base) == [f"{base}/m.json"]  # no temporary file left
