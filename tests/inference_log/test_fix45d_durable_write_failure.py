"""A flush that fails leaves no temp file behind (round 45 review D, item 7).

``write_durably`` writes ``.<name>.tmp``, fsyncs it and renames it into place. When the write or
the fsync failed (a full disk: ``ENOSPC``, an I/O error) the temp file stayed: hidden since round
45, so nothing lists or reads it, but each failed flush left one more on a volume that is already
full. It is now removed before the error propagates (as ``storage._Local.write`` does), and the
error is the one the disk gave. The fsync failure is injected (a full disk cannot be made here).
"""

from __future__ import annotations

import errno
import os

import pytest

from ctloop.inference_log import sink


def _full(fd):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_failed_fsync_removes_the_temp_file(tmp_path, monkeypatch):
    monkeypatch.setattr(sink.os, "fsync", _full)
    for i in range(3):
        with pytest.raises(OSError, match="No space left"):
            sink.write_durably(tmp_path / "date=2026-01-04" / f"part-{i}.parquet", b"x" * 1000)
    monkeypatch.undo()
    assert os.listdir(tmp_path / "date=2026-01-04") == []


def test_the_next_write_still_lands(tmp_path, monkeypatch):
    path = tmp_path / "part-0.parquet"
    monkeypatch.setattr(sink.os, "fsync", _full)
    with pytest.raises(OSError):
        sink.write_durably(path, b"first")
    monkeypatch.undo()
    sink.write_durably(path, b"second")
    assert path.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["part-0.parquet"]
