"""A local file replaced by ``write_bytes`` keeping its mode (round 45) had two faults (fix45e, storage).

1. The temporary file was written and flushed (``fsync``, ~10 ms) with the default mode (0666 less the
   umask: 0644) and only then given the old file's mode: a 0600 file's new bytes were readable by every
   user of the machine meanwhile. Now the temporary file is created with the old mode, before a byte.
2. That ``chmod`` failing failed the whole write, on file systems that refuse chmod (blobfuse ENOSYS,
   ADLS Gen2 through a FUSE mount 403 -> EACCES, the AKS blob CSI driver's ENOTSUP: their modes come
   from mount options): every write_bytes there failed. Now it is best effort.

Here ``os.fchmod``/``os.chmod`` refusing stands in for such a mount (no FUSE mount can be made in a test)."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from ctloop import storage


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize("mode", [0o600, 0o640], ids=["private", "group-readable"])
def test_the_new_bytes_are_never_more_readable_than_the_old_file(
    tmp_path, monkeypatch, umask_022, mode
):
    target = tmp_path / "secret.json"
    target.write_bytes(b"old")
    os.chmod(target, mode)
    flushed = []
    real_fsync = os.fsync

    def fsync(fd):  # the temporary file holds the new bytes here, ~10 ms before it is renamed
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode):
            flushed.append(stat.S_IMODE(st.st_mode))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    storage.write_bytes(str(target), b'{"token": "s3cr3t"}')
    assert flushed == [mode]  # before: [0o644], world-readable while flushed
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert target.read_bytes() == b'{"token": "s3cr3t"}'


@pytest.mark.parametrize(
    "err", [errno.ENOSYS, errno.EACCES, errno.ENOTSUP], ids=["blobfuse", "adls", "csi"]
)
def test_a_file_system_refusing_chmod_is_still_written(tmp_path, monkeypatch, umask_022, err):
    target = tmp_path / "report.json"
    target.write_bytes(b"old")
    os.chmod(target, 0o600)

    def refuse(path, mode, *args, **kwargs):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(os, "chmod", refuse)
    monkeypatch.setattr(os, "fchmod", refuse)
    storage.write_bytes(str(target), b"new")
    assert target.read_bytes() == b"new"
    assert (
        stat.S_IMODE(target.stat().st_mode) == 0o600
    )  # the mode it was created with, less the umask
    assert os.listdir(tmp_path) == ["report.json"]


def test_the_exact_mode_is_kept_past_the_umask(tmp_path, monkeypatch):
    """The umask is applied at creation; the exact old mode (group write of a shared file) is set after."""
    old = os.umask(0o077)
    try:
        target = tmp_path / "shared.csv"
        target.write_bytes(b"old")
        os.chmod(target, 0o664)
        storage.write_bytes(str(target), b"new")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o664


def test_a_read_only_file_is_replaced_and_stays_read_only(tmp_path):
    target = tmp_path / "receipt.sha256"
    target.write_bytes(b"old")
    os.chmod(target, 0o444)
    storage.write_bytes(str(target), b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
