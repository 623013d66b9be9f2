"""``read_table``'s temporary file (review 50, item 3): a local file is read without one (a pod with a
read-only root file system and no writable temporary directory failed every local read with a raw
``FileNotFoundError``); an object's bytes are read from memory when the temporary directory has less
free space than the object or refuses the write; a named pipe whose copy cannot be written is a
:class:`DataSourceError` naming the temporary directory."""

from __future__ import annotations

import os
import resource
import signal
import tempfile
import threading

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError


@pytest.fixture
def no_temporary_dir(tmp_path, monkeypatch):
    """``tempfile``'s directory set to one that does not exist, as in a pod whose root file system is
    read-only and has no /tmp volume (``tempfile.gettempdir`` then finds no usable directory)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "absent"))


def test_a_local_file_is_read_without_a_temporary_directory(tmp_path, no_temporary_dir):
    """Failed on main: ``FileNotFoundError: [Errno 2] No such file or directory: '.../absent/ctloop-...'``."""
    path = tmp_path / "rows.csv"
    path.write_bytes(b"a,b\n1,2\n3,4\n")
    assert storage.read_table(str(path)).to_dict("list") == {"a": [1, 3], "b": [2, 4]}


def test_an_object_is_read_from_memory_without_a_temporary_directory(no_temporary_dir):
    data = b"a,b\n1,2\n"
    assert storage._spilled(data) is None  # the caller reads io.BytesIO(data)


def test_an_object_larger_than_the_free_temporary_disk_is_read_from_memory(monkeypatch):
    """``shutil.disk_usage`` is replaced by a double reporting 4 bytes free (a full emptyDir)."""
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda where: shutil._ntuple_diskusage(100, 96, 4))
    assert storage._spilled(b"a,b\n1,2\n") is None
    monkeypatch.setattr(shutil, "disk_usage", lambda where: shutil._ntuple_diskusage(100, 0, 100))
    with storage._spilled(b"a,b\n1,2\n") as copy:
        copy.seek(0)
        assert copy.read() == b"a,b\n1,2\n"


@pytest.fixture
def file_size_limit():
    """Files this process writes limited to 64 KiB (``RLIMIT_FSIZE``; SIGXFSZ ignored, so a write past it
    fails with EFBIG, as a full disk's with ENOSPC), restored after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 16, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


def test_an_object_whose_copy_cannot_be_written_is_read_from_memory(file_size_limit):
    data = b"a,b\n" + b"1,2\n" * 40_000  # 160 KiB
    assert storage._spilled(data) is None


def _write_quietly(pipe, data: bytes) -> None:
    try:
        pipe.write_bytes(data)
    except BrokenPipeError:  # the reader gave up
        pass


def test_a_pipe_whose_copy_cannot_be_written_names_the_temporary_directory(
    tmp_path, file_size_limit
):
    """Was the raw ``OSError: [Errno 27] File too large`` (or ENOSPC) escaping ``read_table``."""
    pipe = tmp_path / "rows.csv"
    os.mkfifo(pipe)
    writer = threading.Thread(target=_write_quietly, args=(pipe, b"a,b\n" + b"1,2\n" * 40_000))
    writer.start()
    try:
        with pytest.raises(DataSourceError) as info:
            storage.read_table(str(pipe))
    finally:
        writer.join(timeout=10)
    text = str(info.value)
    assert "\n" not in text and text.startswith(f"cannot read {pipe}: ")
    assert (
        f"the temporary directory {tempfile.gettempdir()} first, and writing it failed (File too large)"
        in text
    )
    assert "give the step disk there" in text


def test_a_pipe_is_read_from_memory_without_a_temporary_directory(tmp_path, no_temporary_dir):
    pipe = tmp_path / "rows.csv"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_bytes(b"a,b\n1,2\n"))
    writer.start()
    try:
        frame = storage.read_table(str(pipe))
    finally:
        writer.join(timeout=10)
    assert frame.to_dict("list") == {"a": [1], "b": [2]}
