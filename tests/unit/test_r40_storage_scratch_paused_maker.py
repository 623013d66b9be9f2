"""A maker paused more than ``STALE_EMPTY_SECONDS`` between making its scratch and locking it (a
SIGSTOP, a laptop asleep, a swapped-out process) had it removed under it by another run's clean-up,
which takes an unlocked scratch holding nothing, untouched that long, for a killed maker's
(round 39, left alone). Paused before its lock file existed, the maker then failed with a raw
``FileNotFoundError``; paused between making the lock file and locking it, it locked a file no
longer on disk and went on with a scratch that was gone (recreated unlocked by its first write,
and no clean-up could tell it was alive). Now the maker checks, once it holds the lock, that the
lock file it holds is the one in its scratch, and makes a new scratch when the clean-up took it."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

from ctloop import local
from ctloop.local import SCRATCH_LOCK, make_scratch, release_scratch


def _age(path: Path) -> None:
    then = time.time() - local.STALE_EMPTY_SECONDS - 60
    os.utime(path, (then, then))


def _clean_up_in_another_process(directory: Path) -> None:
    """Another run's ``remove_stale_scratch`` (another process: a process never removes its own)."""
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from ctloop.local import "
                    "remove_stale_scratch; remove_stale_scratch(Path(sys.argv[1]))", str(directory)], check=True)


def _held_by_another(lock: Path) -> bool:
    """Whether another process holds the flock on ``lock`` (the maker's)."""
    fd = os.open(lock, os.O_RDWR)  # a descriptor of its own: flock locks belong to open file descriptions
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def _assert_live_scratch(path: Path) -> None:
    assert path.is_dir(), "make_scratch returned a scratch that is gone"
    assert (path / SCRATCH_LOCK).read_bytes() == local._MARK
    assert _held_by_another(path / SCRATCH_LOCK)


def test_a_maker_paused_before_making_its_lock_file_gets_a_new_scratch(tmp_path, monkeypatch):
    real = os.open
    paused = []

    def open_after_a_pause(path, *args, **kwargs):
        if os.fspath(path).endswith(SCRATCH_LOCK) and not paused:
            paused.append(Path(path).parent)
            _age(Path(path).parent)  # five minutes and more pass here
            _clean_up_in_another_process(Path(path).parent.parent)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(local.os, "open", open_after_a_pause)
    path = make_scratch(tmp_path, "pipe")
    monkeypatch.undo()
    try:
        assert paused and not paused[0].exists()  # the clean-up did take the first one
        _assert_live_scratch(path)
    finally:
        release_scratch(path)


def test_a_maker_paused_before_locking_its_lock_file_gets_a_new_scratch(tmp_path, monkeypatch):
    real = fcntl.flock
    paused = []

    def flock_after_a_pause(fd, operation):
        if operation == fcntl.LOCK_EX and not paused:
            scratch = next(p for p in tmp_path.iterdir() if p.is_dir())
            paused.append(scratch)
            _age(scratch / SCRATCH_LOCK)
            _age(scratch)
            _clean_up_in_another_process(tmp_path)
        return real(fd, operation)

    monkeypatch.setattr(fcntl, "flock", flock_after_a_pause)
    path = make_scratch(tmp_path, "pipe")
    monkeypatch.undo()
    try:
        assert paused and not paused[0].exists()
        _assert_live_scratch(path)
        assert [p.name for p in tmp_path.iterdir()] == [path.name]
    finally:
        release_scratch(path)


def test_a_scratch_directory_removed_by_another_runs_clean_up_is_made_again(tmp_path, monkeypatch):
    """Two runs in one workdir: the one ending removes ``<workdir>/.tmp`` when it is empty
    (``_tmpdir``), between the other's ``mkdir`` of it and its ``mkdtemp`` there, which then failed
    with "No such file or directory" (a ConfigError telling the user to choose another --workdir)."""
    directory = tmp_path / "work" / ".tmp"
    directory.mkdir(parents=True)
    real = local.tempfile.mkdtemp
    removed = []

    def mkdtemp_after_the_other_run_ended(*args, **kwargs):
        if not removed:
            removed.append(True)
            directory.rmdir()  # the other run's clean-up: .tmp held nothing else
        return real(*args, **kwargs)

    monkeypatch.setattr(local.tempfile, "mkdtemp", mkdtemp_after_the_other_run_ended)
    path = make_scratch(directory, "pipe")
    monkeypatch.undo()
    try:
        assert removed and path.parent == directory
        _assert_live_scratch(path)
    finally:
        release_scratch(path)
