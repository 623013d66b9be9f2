"""A local file whose name is long but valid could not be written (round 45, storage).

Local writes go through a temporary file beside the target (``.NAME.<8 hex>.tmp``, renamed into
place: 14 bytes more than the name) and creates on file systems without hard links through
``.NAME.lock``, ``.NAME.lock.x`` and, to take a dead writer's lock over, ``.NAME.lock.x.takeover``
guards up to three deep (35 bytes more). A file name of 242 to 255 bytes, which Linux file systems take
(NAME_MAX 255), failed with "cannot write ...: File name too long" — a Hive partition value or a
generated model name is that long soon enough. Now the helpers of a name over 220 bytes (where the
deepest guard would not fit) are named by its hash; shorter names keep theirs
(tests/unit/test_fix45e_storage_long_name_locks.py)."""

from __future__ import annotations

import errno
import os

import pytest

from ctloop import storage

LONG = "x" * 245 + ".csv"  # 249 bytes: a valid name
WIDE = "é" * 124 + ".csv"  # 252 bytes of UTF-8, 128 characters


@pytest.mark.parametrize("name", [LONG, WIDE], ids=["ascii", "utf8"])
@pytest.mark.parametrize("call", ["write_bytes", "create_bytes"])
def test_a_long_valid_name_is_written(tmp_path, name, call):
    target = tmp_path / name
    getattr(storage, call)(str(target), b"a\n1\n")
    assert target.read_bytes() == b"a\n1\n"
    assert os.listdir(tmp_path) == [name]  # no temporary or lock file left
    if call == "create_bytes":
        assert storage.create_bytes(str(target), b"other") is False


def test_a_long_name_is_created_without_hard_links(tmp_path, monkeypatch):
    """A file system without hard links (FAT, some FUSE mounts): the lock files are named by the hash."""
    def no_link(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    target = tmp_path / LONG
    assert storage.create_bytes(str(target), b"first") is True
    assert storage.create_bytes(str(target), b"second") is False
    assert target.read_bytes() == b"first"
    assert os.listdir(tmp_path) == [LONG]


def test_short_names_keep_their_helpers_names():
    assert storage._short("part-0.parquet") == "part-0.parquet"
    assert storage._short(LONG) != storage._short(LONG[:-5] + "y.csv")
