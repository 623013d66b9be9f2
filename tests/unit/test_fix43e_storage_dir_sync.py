"""A create whose directory flush failed with EIO was acknowledged (round 43's ``_sync_dir`` passed every
OSError, fix 43 E): the new name may not be on the disk. Now only a file system that cannot flush a
directory (EINVAL, EBADF, ENOTSUP) or a directory this user cannot open is left as it is; any other
error fails the create, one line naming the URI."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError


def _failing_dir_fsync(monkeypatch, code: int) -> None:
    real = os.fsync

    def fsync(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(code, os.strerror(code))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_an_io_error_flushing_the_directory_fails_the_create(tmp_path, monkeypatch):
    _failing_dir_fsync(monkeypatch, errno.EIO)
    uri = str(tmp_path / "manifest.json")
    with pytest.raises(DataSourceError, match=rf"^cannot write {uri}: the file was created .*\(Input/output error\)"):
        storage.create_bytes(uri, b"{}")


@pytest.mark.parametrize(
    "code", [errno.EINVAL, errno.EBADF, errno.EOPNOTSUPP], ids=["EINVAL", "EBADF", "EOPNOTSUPP"]
)
def test_a_file_system_that_cannot_flush_a_directory_creates(tmp_path, monkeypatch, code):
    _failing_dir_fsync(monkeypatch, code)
    uri = str(tmp_path / "manifest.json")
    assert storage.create_bytes(uri, b"{}") is True
    assert storage.read_bytes(uri) == b"{}"


def test_a_directory_that_cannot_be_opened_creates(tmp_path, monkeypatch):
    real = os.open

    def refusing(path, flags, *args, **kwargs):
        if flags & getattr(os, "O_DIRECTORY", 0):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)
    assert storage.create_bytes(str(tmp_path / "manifest.json"), b"{}") is True
