"""``store_files`` (what ``StoreIndex`` compares to know whether a label store changed) kept only
names ending ``.parquet`` in lower case, while ``label_files`` (``ctloop.storage.list_files``,
suffixes in any case since round 39) reads ``X.PARQUET`` too: a label file copied in as
``X.PARQUET`` and rewritten later left the canary's join on the stale index."""

from __future__ import annotations

import shutil

import pandas as pd

from ctloop.labels.join import StoreIndex, store_files
from ctloop.labels.store import ingest_labels, label_files


def test_store_files_lists_what_label_files_lists_whatever_the_suffix_case(tmp_path):
    (tmp_path / "labels.csv").write_text("request_id,label\na,1\nb,0\n")
    store = tmp_path / "s"
    ingest_labels(str(tmp_path / "labels.csv"), str(store))
    part = next((store / "labels").glob("part-*.parquet"))
    shutil.copy(part, store / "labels" / "EXTRA.PARQUET")
    listed = label_files(str(store))
    assert len(listed) == 2 and [f[0] for f in store_files(str(store))] == sorted(listed)
    index = StoreIndex(str(store))
    index.get()
    pd.DataFrame({"request_id": ["c"], "label": [1.0], "label_time": ["2026-01-01T00:00:00+00:00"]}).to_parquet(
        store / "labels" / "EXTRA.PARQUET")
    index.get()
    assert index.builds == 2
