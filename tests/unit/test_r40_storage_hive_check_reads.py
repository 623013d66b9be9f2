"""The hive-column check (``ctloop.storage.check_hive_columns``, run by the dataset reader on every
source with ``key=value`` directories) read each file's schema (a CSV file's first block, a Parquet
footer) one file after the other: on an object store one round trip each, in sequence, before a
single row was read (round 39, left alone). Measured with 400 CSV files under ``date=`` directories:
on moto's S3 server (loopback, CPU-bound) 3.0 s of ``open_source``'s 6.2 s; behind a 30 ms round
trip per open (a PyFileSystem over local files, as a remote store's latency) 12.6 s, and 1.2 s
16 at a time. Now the schemas are read several at a time on a filesystem that is not local, as
``Source.check_files`` reads them (which then finds them cached: no read is added)."""

from __future__ import annotations

import threading

import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pytest

from ctloop import storage
from ctloop.errors import DataSourceError
from tests.fixtures.local_fs import LocalFiles


class _Counting(LocalFiles):
    """Local files; each open is recorded, and while ``meet`` is set the first two opens must run
    at the same time (each waits for the other at a barrier: one after the other, the first times out)."""

    def __init__(self):
        super().__init__()
        self.opened: list[str] = []
        self.meet: threading.Barrier | None = None

    def on_open(self, path):
        self.opened.append(path)
        barrier = self.meet
        if barrier is not None and len(self.opened) <= 2:
            barrier.wait()


def _tree(tmp_path, files):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return sorted(str(tmp_path / rel) for rel in files)


def _dataset(handler, paths, base):
    return pads.dataset(paths, format="csv", filesystem=pafs.PyFileSystem(handler),
                        partitioning=pads.partitioning(flavor="hive"), partition_base_dir=base)


def test_the_schemas_of_a_remote_sources_files_are_read_several_at_a_time(tmp_path):
    files = {f"date=2026-12-0{i}/part-0.csv": "x,c\n1.5,a\n" for i in range(1, 7)}
    handler = _Counting()
    dataset = _dataset(handler, _tree(tmp_path, files), str(tmp_path))
    handler.opened.clear()
    handler.meet = threading.Barrier(2, timeout=10)
    storage.check_hive_columns(str(tmp_path), dataset, ["date"])
    assert len(set(handler.opened)) == 6


def test_a_remote_files_column_against_its_directory_is_still_refused(tmp_path):
    files = {f"region=r{i}/part-0.csv": f"x,region\n1.5,r{i}\n" for i in range(1, 5)}
    files["region=r5/part-0.csv"] = "x,region\n1.5,eu\n"
    handler = _Counting()
    dataset = _dataset(handler, _tree(tmp_path, files), str(tmp_path))
    with pytest.raises(DataSourceError, match="holds 'eu'"):
        storage.check_hive_columns(str(tmp_path), dataset, ["region"])
