"""Another run's clean-up removed a live scratch (review revE, finding 1). ``_ended`` closed the lock
file (dropping its lock) and only then did ``remove_stale_scratch`` call ``shutil.rmtree``; a maker
paused long enough that its scratch looked a killed maker's (before locking its lock file, or before
making it) woke in that gap, locked the file, found the same inode, wrote its mark and returned the
scratch, which the rmtree then deleted. Now the clean-up removes the scratch while it holds the lock
(it makes the missing lock file itself, and renames the scratch away before letting go), so a maker
waking at that point finds its scratch gone and makes a new one.

The maker runs in a thread paused at a hook; the clean-up's ``shutil.rmtree`` (the point after the
lock is dropped) lets it run to the end before removing: deterministic, no sleeps."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

from ctloop import local
from ctloop.local import SCRATCH_LOCK, make_scratch, release_scratch, remove_stale_scratch

DEAD_PID = 4_000_000  # the maker's pid as its name says: another process's (a process never removes its own)


def _age(path: Path) -> None:
    then = time.time() - local.STALE_EMPTY_SECONDS - 60
    os.utime(path, (then, then))


def _run(tmp_path, monkeypatch, pause_at: str) -> tuple[Path | None, list[Path]]:
    """Make a scratch in a thread paused at ``pause_at`` ("lock": before flock; "open": before making its lock
    file), age it, run the clean-up; the maker resumes when the clean-up reaches ``shutil.rmtree``."""
    real_prefix = local.scratch_prefix
    monkeypatch.setattr(local, "scratch_prefix", lambda lead, pid=None: real_prefix(lead, DEAD_PID))
    paused, go = threading.Event(), threading.Event()
    made: list[Path] = []
    result: dict[str, Path] = {}
    maker_thread: list[threading.Thread] = []

    real_flock = fcntl.flock
    real_mkdtemp = local.tempfile.mkdtemp

    def flock(fd, op):
        if threading.current_thread() is maker_thread[0] and pause_at == "lock" and not paused.is_set():
            paused.set()
            go.wait(30)
        return real_flock(fd, op)

    def mkdtemp(*args, **kwargs):
        path = real_mkdtemp(*args, **kwargs)
        made.append(Path(path))
        if threading.current_thread() is maker_thread[0] and pause_at == "open" and not paused.is_set():
            paused.set()
            go.wait(30)
        return path

    monkeypatch.setattr(fcntl, "flock", flock)
    monkeypatch.setattr(local.tempfile, "mkdtemp", mkdtemp)
    maker = threading.Thread(target=lambda: result.setdefault("path", make_scratch(tmp_path, "pipe")))
    maker_thread.append(maker)
    maker.start()
    assert paused.wait(30)
    scratch = made[0]
    if pause_at == "lock":
        _age(scratch / SCRATCH_LOCK)
    _age(scratch)

    real_rmtree = local.shutil.rmtree

    def rmtree(path, *args, **kwargs):  # the lock is dropped here: the maker wakes and runs to its end
        go.set()
        maker.join(30)
        return real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(local.shutil, "rmtree", rmtree)
    remove_stale_scratch(tmp_path)
    go.set()
    maker.join(30)
    assert not maker.is_alive()
    return result.get("path"), made


def _assert_live(path: Path | None) -> None:
    assert path is not None
    try:
        assert path.is_dir(), "make_scratch returned a scratch the clean-up then removed"
        assert (path / SCRATCH_LOCK).read_bytes() == local._MARK
    finally:
        release_scratch(path)


def test_a_maker_waking_as_the_clean_up_drops_the_lock_keeps_its_scratch(tmp_path, monkeypatch):
    path, made = _run(tmp_path, monkeypatch, "lock")
    _assert_live(path)
    assert not made[0].exists() or made[0] == path


def test_a_maker_waking_before_making_its_lock_file_keeps_its_scratch(tmp_path, monkeypatch):
    path, made = _run(tmp_path, monkeypatch, "open")
    _assert_live(path)
    assert not made[0].exists() or made[0] == path
