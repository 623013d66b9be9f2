"""A zero-byte ``.parquet`` below a label store or an inference log refused the whole read (round 41,
item 1): ``read_labels`` and ``read_parquet_tree`` read every file ``list_files`` listed, and pyarrow
said "Parquet file size is 0 bytes". Such an object is a writer's placeholder (``touch``, an SDK's
create-then-upload) or an upload cut short by a crash: it holds no rows in any format. The dataset reader
(``ctloop drift``, ``ctloop score --data DIR``) leaves a zero-byte file below a directory out, as Spark's
listing does (``PartitioningAwareFileIndex.listFiles``: ``f.getLen > 0``, Spark 3.5); now ``list_files``
does too, on every store, so its readers read the other files. ``list_objects`` still lists them (with
their size: the blob import and the label index see what is there)."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop import storage
from ctloop.inference_log.reader import read_parquet_tree
from ctloop.labels.store import ingest_labels, read_labels
from tests.fixtures.object_stores import fresh_bucket


@pytest.fixture(params=("file", "gs", "s3", "az"))
def root(request, tmp_path, monkeypatch):
    if request.param == "file":
        return str(tmp_path / "root")
    stores = request.getfixturevalue("stores")
    return fresh_bucket(stores[request.param], monkeypatch, tmp_path / "home", "ctloop")


def test_a_zero_byte_label_file_is_left_out_of_the_store(root, tmp_path):
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"request_id": ["r1", "r2"], "label": [0, 1]}).to_csv(labels, index=False)
    assert ingest_labels(str(labels), f"{root}/store") == 2
    storage.write_bytes(f"{root}/store/labels/part-20991231T000000000000Z-{'0' * 32}.parquet", b"")
    frame = read_labels(f"{root}/store")
    assert sorted(frame["request_id"]) == ["r1", "r2"]


def test_a_zero_byte_log_file_is_left_out_of_the_tree(root):
    storage.write_table(pd.DataFrame({"request_id": ["a", "b"], "x": [1.0, 2.0]}), f"{root}/log/date=1/part-0.parquet")
    storage.write_bytes(f"{root}/log/date=1/part-1.parquet", b"")
    assert len(read_parquet_tree(f"{root}/log")) == 2
    assert [u.rsplit("/", 1)[-1] for u in storage.list_files(f"{root}/log", ".parquet")] == ["part-0.parquet"]
    assert sorted(o.size == 0 for o in storage.list_objects(f"{root}/log")) == [False, True]


def test_a_copy_of_a_prefix_keeps_its_zero_byte_files(root):
    """``local_copy`` (a model directory, a prefix downloaded whole) copies every object, empty ones too
    (an empty ``__init__.py``, a marker): only the listing of data files leaves them out."""
    storage.write_bytes(f"{root}/model/MLmodel", b"flavors: {}\n")
    storage.write_bytes(f"{root}/model/code/__init__.py", b"")
    with storage.local_copy(f"{root}/model") as path:
        assert sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()) == [
            "MLmodel", "code/__init__.py"]
