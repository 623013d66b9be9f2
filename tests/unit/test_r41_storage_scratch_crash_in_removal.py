"""A run killed while its scratch is being deleted (round 41, item 7). ``shutil.rmtree`` deleted the
scratch in directory order, its lock file ``.ctloop-lock`` among the first or the last: killed after the
lock file was gone but before the rest, the run left a folder with files and no lock file, which no later
clean-up takes (a lock-less scratch holding files may be an older ctloop's, still running). Now the lock
file is deleted last, so whatever a kill leaves still holds the lock file with its mark, lock free: the
next run's clean-up removes it.

Every point of the deletion is tried: ``os.unlink``/``os.rmdir`` raise on their k-th call, k = 1, 2, ..."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ctloop import local
from ctloop.local import make_scratch, release_scratch, remove_stale_scratch

DEAD_PID = 4_000_000  # the maker's pid as its name says: another process's (a process never removes its own)


class _Killed(BaseException):
    pass


def _scratch(tmp_path: Path, monkeypatch) -> Path:
    real_prefix = local.scratch_prefix
    monkeypatch.setattr(local, "scratch_prefix", lambda lead, pid=None: real_prefix(lead, DEAD_PID))
    scratch = make_scratch(tmp_path, "pipe")
    for sub in ("tmp", "hook", "tmp/deep"):
        (scratch / sub).mkdir()
        for i in range(3):
            (scratch / sub / f"f{i}.txt").write_text("x")
    return scratch


def _age(root: Path) -> None:
    then = time.time() - local.STALE_EMPTY_SECONDS - 60
    for top, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            os.utime(os.path.join(top, name), (then, then))
    os.utime(root, (then, then))


def _killed_at(monkeypatch, k: int) -> list[int]:
    calls = [0]
    real_unlink, real_rmdir = os.unlink, os.rmdir

    def count(real):
        def wrapped(*args, **kwargs):
            calls[0] += 1
            if calls[0] == k:
                raise _Killed()
            return real(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(os, "unlink", count(real_unlink))
    monkeypatch.setattr(os, "rmdir", count(real_rmdir))
    return calls


@pytest.mark.parametrize("k", range(1, 19))
def test_a_run_killed_while_removing_its_own_scratch_leaves_what_the_next_clean_up_takes(tmp_path, monkeypatch, k):
    base = tmp_path / "tmpdirs"
    base.mkdir()
    scratch = _scratch(base, monkeypatch)
    with monkeypatch.context() as m:
        _killed_at(m, k)
        try:
            with local._tmpdir(scratch / "tmp"):
                pass
        except _Killed:
            pass
    release_scratch(scratch)
    if base.exists():
        _age(base)
        remove_stale_scratch(base)
    left = sorted(p.name for p in base.iterdir()) if base.exists() else []
    assert left == [], f"killed at deletion {k}: {left} stays for ever ({[str(p) for p in base.rglob('*')]})"


@pytest.mark.parametrize("k", range(1, 19))
def test_a_clean_up_killed_while_removing_a_dead_run_scratch_leaves_what_the_next_takes(tmp_path, monkeypatch, k):
    base = tmp_path / "tmpdirs"
    base.mkdir()
    scratch = _scratch(base, monkeypatch)
    release_scratch(scratch)  # its maker ended (SIGKILL): lock free, mark written
    with monkeypatch.context() as m:
        _killed_at(m, k)
        try:
            remove_stale_scratch(base)
        except _Killed:
            pass
    _age(base)
    remove_stale_scratch(base)
    left = sorted(p.name for p in base.iterdir())
    assert left == [], f"killed at deletion {k}: {left} stays for ever ({[str(p) for p in base.rglob('*')]})"
