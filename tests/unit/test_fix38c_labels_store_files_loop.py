"""``store_files`` (what ``StoreIndex`` compares to know whether a label store changed) listed
with Arrow's recursive ``FileSelector``, which follows a symlink loop until the kernel refuses
(pyarrow 25.0.1: 40 levels): with ``labels/sub/up -> ..`` it returned 41 entries for a store whose
``label_files`` (``ctloop.storage.list_files``) is one. Both now list with the same lister."""

from __future__ import annotations

import os
import warnings

import pandas as pd

from ctloop.labels.join import StoreIndex, store_files
from ctloop.labels.store import ingest_labels, label_files


def test_store_files_lists_what_label_files_lists_under_a_loop(tmp_path):
    (tmp_path / "labels.csv").write_text("request_id,label\na,1\nb,0\n")
    store = tmp_path / "s"
    ingest_labels(str(tmp_path / "labels.csv"), str(store))
    (store / "labels" / "sub").mkdir()
    os.symlink("..", store / "labels" / "sub" / "up")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        files, listed = store_files(str(store)), label_files(str(store))
    assert len(listed) == 1 and [f[0] for f in files] == listed


def test_the_index_is_built_again_only_when_a_label_file_changes(tmp_path):
    (tmp_path / "labels.csv").write_text("request_id,label\na,1\nb,0\n")
    store = tmp_path / "s"
    ingest_labels(str(tmp_path / "labels.csv"), str(store))
    index = StoreIndex(str(store))
    index.get(), index.get()
    assert index.builds == 1
    part = next((store / "labels").glob("part-*.parquet"))
    pd.DataFrame({"request_id": ["a"], "label": [0.0], "label_time": ["2026-01-01T00:00:00+00:00"]}).to_parquet(part)
    index.get()
    assert index.builds == 2
