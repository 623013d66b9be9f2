"""A ``.NAME.lock.x.takeover`` guard left by a taker killed inside its takeover is taken over when that
taker provably died on this host, by the create lock's own rules (round 43, storage item 1).

Where there are no hard links ``storage.create_bytes`` renames into place under ``.NAME.lock.x``; a
lock whose holder died is removed by one taker at a time, serialised by ``.NAME.lock.x.takeover``.
Before, that guard was an empty file: a taker killed between making and removing it left a guard no
one could judge, and every later create of the name failed after 60 s, the error naming it, until
someone removed it by hand. Now the guard records its taker (pid, start time, boot id, pid and time
namespaces, host) and a dead taker's guard is taken over under a guard of its own; a guard whose taker
may be alive, ran elsewhere, or recorded nothing is still never taken. The taker killed here is a
real process (SIGKILL inside its takeover)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ctloop import storage

# a taker of a dead writer's lock, killed after making its guard, before removing the lock
_TAKER = textwrap.dedent("""
    import os, pathlib, signal, sys
    from ctloop import storage

    real_unlink = pathlib.Path.unlink

    def unlink(self, missing_ok=False):
        if self.name.endswith(".lock.x"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real_unlink(self, missing_ok=missing_ok)

    pathlib.Path.unlink = unlink
    storage._take_over_dead_lock(pathlib.Path(sys.argv[1]))
""")


def _env() -> dict[str, str]:
    src = str(Path(storage.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


@pytest.fixture
def no_links(monkeypatch):
    def no_link(_src, _dst):
        raise OSError(errno.EPERM, "no hard links here")

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(storage, "_LOCK_STALE_S", 0.1)  # a writer gives up after 0.2 s


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    return proc.pid


def _dead_writers_lock(tmp_path: Path) -> Path:
    boot, pidns = storage._this_kernel()
    lock = tmp_path / ".manifest.json.lock.x"
    record = {
        "pid": _dead_pid(),
        "start": 1,
        "boot": boot,
        "pidns": pidns,
        "host": "h",
        "timens": storage._time_namespace(),
    }
    lock.write_text(json.dumps(record) + "\n")
    return lock


def test_a_guard_left_by_a_killed_taker_is_taken_over(tmp_path, no_links):
    lock = _dead_writers_lock(tmp_path)
    guard = tmp_path / ".manifest.json.lock.x.takeover"
    taker = subprocess.Popen([sys.executable, "-c", _TAKER, str(lock)], env=_env())
    assert taker.wait(timeout=60) == -signal.SIGKILL
    assert lock.exists() and json.loads(guard.read_text())["pid"] == taker.pid  # what it left

    path = tmp_path / "manifest.json"
    assert storage.create_bytes(str(path), b"next") is True
    assert path.read_bytes() == b"next"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]  # no lock, no guard


def test_a_live_takers_guard_is_never_taken(tmp_path, no_links):
    lock = _dead_writers_lock(tmp_path)
    guard = tmp_path / ".manifest.json.lock.x.takeover"
    guard.write_bytes(storage._lock_owner())  # this process (another thread of it) is at it
    with pytest.raises(storage.DataSourceError) as err:
        storage.create_bytes(str(tmp_path / "manifest.json"), b"x")
    assert f"{guard} left by a takeover" in str(err.value)
    assert guard.exists() and lock.exists()


@pytest.mark.parametrize("left", ["empty", "other-host"])
def test_a_guard_that_cannot_be_judged_is_never_taken(tmp_path, no_links, left):
    lock = _dead_writers_lock(tmp_path)
    guard = tmp_path / ".manifest.json.lock.x.takeover"
    if left == "empty":  # a taker killed before writing its record, or one of an earlier release
        guard.write_text("")
        said = "it is held (no holder recorded)"
    else:
        guard.write_text(
            json.dumps(
                {"pid": _dead_pid(), "start": 1, "boot": "b", "pidns": "p", "host": "node-b"}
            )
        )
        said = "on host node-b, which this host cannot check"
    with pytest.raises(storage.DataSourceError) as err:
        storage.create_bytes(str(tmp_path / "manifest.json"), b"x")
    assert said in str(err.value)
    assert guard.exists() and lock.exists()


def test_a_dead_guard_under_a_live_one_waits(tmp_path, no_links):
    """The guard's own guard serialises takers of a dead guard: while it is held, nobody removes it."""
    lock = _dead_writers_lock(tmp_path)
    guard = tmp_path / ".manifest.json.lock.x.takeover"
    guard.write_text(json.dumps({**json.loads(lock.read_text()), "pid": _dead_pid()}))
    (tmp_path / ".manifest.json.lock.x.takeover.takeover").write_bytes(storage._lock_owner())
    assert storage._take_over_dead_lock(lock) is False
    assert guard.exists() and lock.exists()
