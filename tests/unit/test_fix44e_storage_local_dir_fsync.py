"""A local write whose directory flush fails after the rename (round 44, fix E).

``_Local.write`` renames the flushed temporary file into place and then flushes the directory. When
only that flush failed (EIO), it said "cannot write <uri>: Input/output error", although the new bytes
were already in place and readable: a user would think the old file was still there. The write is
still not acknowledged (the rename may not be on the disk), but the line now says the file was
replaced and may not survive a power loss."""

from __future__ import annotations

import errno

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError


def test_a_failed_directory_flush_says_the_file_was_replaced(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    storage.write_bytes(str(target), b"old\n")

    def failing_sync(path):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(storage, "_sync_dir", failing_sync)
    with pytest.raises(DataSourceError) as caught:
        storage.write_bytes(str(target), b"new\n")
    assert str(caught.value) == (
        f"cannot write {target}: the file was replaced with the new bytes, but flushing its directory failed "
        "(Input/output error), so the replacement may not survive a power loss: check the disk and write it again"
    )
    assert target.read_bytes() == b"new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no temporary file left


def test_a_failed_file_write_still_says_it_could_not_write(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    storage.write_bytes(str(target), b"old\n")

    def failing_write(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage, "_write_durably", failing_write)
    with pytest.raises(DataSourceError, match=r": No space left on device$"):
        storage.write_bytes(str(target), b"new\n")
    assert target.read_bytes() == b"old\n"
