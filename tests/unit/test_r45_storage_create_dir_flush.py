"""A local create whose directory flush fails after the name was linked (round 45, storage).

``_Local.create`` links the flushed temporary file to its name and then flushes the directory. When
only that flush failed (EIO), it said "cannot write <uri>: Input/output error" (round 44 gave
``write_bytes`` a clear line and left this one): the file was in place with the new bytes, so the
retry the line invited was answered "taken" (False) — to a caller, someone else's file. The create is
still not acknowledged (the link may not be on the disk), but the line now says the file was created,
that it now exists, and that it may not survive a power loss."""

from __future__ import annotations

import errno

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError


def _failing_sync(path):
    raise OSError(errno.EIO, "Input/output error")


def test_a_failed_directory_flush_says_the_file_was_created(tmp_path, monkeypatch):
    target = tmp_path / "manifest.json"
    monkeypatch.setattr(storage, "_sync_dir", _failing_sync)
    with pytest.raises(DataSourceError) as caught:
        storage.create_bytes(str(target), b"{}\n")
    assert str(caught.value) == (
        f"cannot write {target}: the file was created with the new bytes, but flushing its directory failed "
        "(Input/output error), so it may not survive a power loss; it exists now, so creating it again is "
        "answered 'taken': check the disk, then check or remove the file"
    )
    assert getattr(caught.value, "uri", None) == str(target)
    assert target.read_bytes() == b"{}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]  # no temporary file left


def test_a_failed_file_write_still_says_it_could_not_write(tmp_path, monkeypatch):
    target = tmp_path / "manifest.json"

    def failing_write(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage, "_write_durably", failing_write)
    with pytest.raises(DataSourceError, match=r"^cannot write .*manifest\.json: No space left on device$"):
        storage.create_bytes(str(target), b"{}\n")
    assert not target.exists()


def test_a_taken_name_is_still_no_error(tmp_path, monkeypatch):
    target = tmp_path / "manifest.json"
    target.write_bytes(b"theirs")
    monkeypatch.setattr(storage, "_sync_dir", _failing_sync)  # nothing linked: nothing to flush
    assert storage.create_bytes(str(target), b"mine") is False
    assert target.read_bytes() == b"theirs"
