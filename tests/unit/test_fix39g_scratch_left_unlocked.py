"""A scratch its maker never locked stayed for good (review F1). ``make_scratch`` made the file
(``mkstemp``) or the directory (``mkdtemp``) first and locked it after: when writing the mark failed
(a full disk: ENOSPC) or the directory's lock file could not be made, the scratch stayed, empty and
unlocked, and the compile had no ``work`` yet to remove; a SIGKILL between the two left the same. The
clean-up took only a free lock with something written under it for "its maker has ended", so no
later run or compile removed these. Now ``make_scratch`` removes what it made when it fails, and the
clean-up takes an unlocked scratch of ctloop's name with nothing in it, untouched for
``STALE_EMPTY_SECONDS``, for ended (a maker locks its scratch within microseconds of making it)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ctloop import local
from ctloop.local import SCRATCH_LOCK, make_scratch, remove_stale_scratch, scratch_prefix


def _full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failed_mark_write_leaves_no_scratch(tmp_path, monkeypatch):
    monkeypatch.setattr(local.os, "write", _full)
    with pytest.raises(OSError):
        make_scratch(tmp_path, ".rollout", ".yaml")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


def test_a_lock_file_that_cannot_be_made_leaves_no_scratch_directory(tmp_path, monkeypatch):
    real = os.open

    def no_lock_file(path, *args, **kwargs):
        if os.fspath(path).endswith(SCRATCH_LOCK):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(local.os, "open", no_lock_file)
    with pytest.raises(OSError):
        make_scratch(tmp_path, "pipe")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


def _ended_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout)


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_unlocked_empty_scratch_of_a_killed_maker_is_removed_once_old(tmp_path):
    """What a SIGKILL between ``mkstemp``/``mkdtemp`` and the lock leaves, old and fresh."""
    pid = _ended_pid()
    old = local.STALE_EMPTY_SECONDS + 60
    names = {}
    for what in ("file", "dirx", "dirl"):  # a file; a directory without / with its lock file
        for age in ("old", "fresh"):
            path = tmp_path / (scratch_prefix(".rollout", pid) + f"{what}{age[:4]:_<4}" + ".yaml")
            if what == "file":
                path.write_bytes(b"")
            else:
                path.mkdir()
                if what == "dirl":
                    (path / SCRATCH_LOCK).write_bytes(b"")
                    _age(path / SCRATCH_LOCK, old if age == "old" else 0)
            _age(path, old if age == "old" else 0)
            names[what, age] = path.name
    # an older ctloop's live run: a scratch with no lock file but with its tasks' files in it stays
    older = tmp_path / (scratch_prefix(".rollout", pid) + "olderrun.yaml")
    (older / "tmp").mkdir(parents=True)
    _age(older, old)
    remove_stale_scratch(tmp_path, ".rollout", ".yaml")
    left = sorted(os.listdir(tmp_path))
    assert left == sorted([older.name] + [n for (_, age), n in names.items() if age == "fresh"])
