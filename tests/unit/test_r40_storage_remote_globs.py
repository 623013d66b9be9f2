"""A glob on an object store (``ctloop drift --current s3://b/d/*.parquet``, ``ctloop score --data``)
was matched with ``fnmatch`` against the full paths of the objects below its fixed part, where
``*`` crosses '/' and no directory is a match: ``d/*.parquet`` read the ``.parquet`` files of every
subdirectory too (``d/archive/old.parquet``: rows read that the glob does not name, without a
word), ``d/**/*.parquet`` left out ``d/top.parquet`` (dropped without a word), and
``d/date=2026-12-0?`` or ``d/date=2026-12-0[12]`` (directories) matched nothing. On local disk the
same globs read what ``glob.glob(pattern, recursive=True)`` names (``*`` within one name, ``**``
any number of directories, a matched directory read whole). Now an object store's glob is matched
the same way against its objects and the directories above them: every store reads the files local
disk reads."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop import storage
from ctloop.drift import streaming
from tests.fixtures.object_stores import fresh_bucket

pytestmark = pytest.mark.slow

FILES = ("date=2026-12-01/p.parquet", "date=2026-12-02/p.parquet", "top.parquet", "archive/old.parquet",
         "archive/2025/older.parquet")
PATTERNS = ("*.parquet", "**/*.parquet", "date=2026-12-0?", "date=2026-12-0[12]", "date=*", "*", "*/p.parquet",
            "archive/*", "archive/*.parquet")


@pytest.mark.parametrize("scheme", ["s3", "gs", "az"])
def test_an_object_store_glob_reads_the_files_local_disk_reads(stores, scheme, monkeypatch, tmp_path):
    remote = fresh_bucket(stores[scheme], monkeypatch, tmp_path / "home", "d")
    local = str(tmp_path / "d")
    for root in (remote, local):
        for rel in FILES:
            storage.write_table(pd.DataFrame({"x": [1.5, 2.5]}), f"{root}/{rel}")

    def read(root: str, pattern: str) -> list[str]:
        return sorted(f.split("/d/", 1)[1] for f in streaming.open_source(f"{root}/{pattern}").files)

    for pattern in PATTERNS:
        assert read(remote, pattern) == read(local, pattern), pattern
    assert read(remote, "*.parquet") == ["top.parquet"]
    assert read(remote, "date=2026-12-0?") == ["date=2026-12-01/p.parquet", "date=2026-12-02/p.parquet"]
