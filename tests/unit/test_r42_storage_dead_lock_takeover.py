"""A lock left by a writer killed around its rename is taken over when, and only when, its holder
provably died on this host (round 42, storage item 1).

Where there are no hard links (FAT, some FUSE mounts) ``storage.create_bytes`` renames the file into
place holding ``.NAME.lock.x`` (``O_EXCL``). Before, a writer killed in the milliseconds around its
rename left that file, and every later create of the name failed after 60 s naming it until someone
removed it by hand. Now the lock records pid, start time, boot id, pid namespace and host; a later
writer removes it when that pid is gone (ESRCH), a zombie or a process started at another time, and
never when the holder may be alive or ran on another host, container or boot. The writers killed
here are real processes (SIGKILL inside ``os.replace``)."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ctloop import storage

_WRITER = textwrap.dedent("""
    import errno, os, signal, sys, time
    from ctloop import storage

    def no_link(src, dst):
        raise OSError(errno.EPERM, "no hard links here")

    real_replace = os.replace

    def replace(src, dst):
        if os.path.basename(dst) == "manifest.json":
            print("inside", flush=True)
            if sys.argv[2] == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            sys.stdin.readline()  # held until the test says go on
        return real_replace(src, dst)

    os.link = no_link
    os.replace = replace
    print(storage.create_bytes(sys.argv[1], b"writer"), flush=True)
""")


def _env() -> dict[str, str]:
    src = str(Path(storage.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


def _writer(path: Path, mode: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), mode],
        env=_env(),
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout.readline().strip() == "inside"
    return proc


@pytest.fixture
def no_links(monkeypatch):
    def no_link(_src, _dst):
        raise OSError(errno.EPERM, "no hard links here")

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(storage, "_LOCK_STALE_S", 0.1)  # a writer gives up after 0.2 s


def test_a_killed_writers_lock_is_taken_over(tmp_path, no_links):
    path = tmp_path / "manifest.json"
    proc = _writer(path, "kill")
    assert proc.wait(timeout=30) == -signal.SIGKILL
    lock = tmp_path / ".manifest.json.lock.x"
    assert json.loads(lock.read_text())["pid"] == proc.pid  # what it left

    assert storage.create_bytes(str(path), b"next") is True
    assert path.read_bytes() == b"next"
    assert not lock.exists()
    assert not (tmp_path / ".manifest.json.lock.x.takeover").exists()
    assert storage.create_bytes(str(path), b"again") is False  # the name is taken once


def test_a_killed_writer_not_yet_reaped_is_dead_too(tmp_path, no_links):
    path = tmp_path / "manifest.json"
    proc = _writer(path, "kill")
    # SIGKILL is asynchronous: wait until the kernel shows it a zombie, without reaping it
    while storage._process_start(proc.pid) and storage._process_start(proc.pid)[0] != "Z":
        os.sched_yield()
    try:
        assert storage.create_bytes(str(path), b"next") is True
        assert path.read_bytes() == b"next"
    finally:
        proc.wait(timeout=30)


def test_a_live_writers_lock_is_never_taken(tmp_path, no_links, monkeypatch):
    path = tmp_path / "manifest.json"
    proc = _writer(path, "hold")

    def no_flock(_fd, _op):  # this writer goes straight to .NAME.lock.x, where the live one is
        raise OSError(errno.EOPNOTSUPP, "no flock here")

    monkeypatch.setattr(fcntl, "flock", no_flock)
    try:
        with pytest.raises(storage.DataSourceError) as err:
            storage.create_bytes(str(path), b"second")
        assert f"is held by pid {proc.pid} on this host, still running" in str(err.value)
        assert not path.exists()
    finally:
        out, _ = proc.communicate("go\n", timeout=30)
    assert out.strip() == "True"
    assert path.read_bytes() == b"writer"  # the holder finished its write, nothing overwrote it


def _left_lock(tmp_path: Path, **record) -> Path:
    lock = tmp_path / ".manifest.json.lock.x"
    lock.write_text(json.dumps(record) + "\n" if record else "")
    return lock


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    return proc.pid


def test_a_lock_from_another_host_or_container_is_never_taken(tmp_path, no_links):
    boot, pidns = storage._this_kernel()
    for other in ({"boot": "another-boot", "pidns": pidns}, {"boot": boot, "pidns": "pid:[1]"}):
        lock = _left_lock(tmp_path, pid=_dead_pid(), start=1, host="node-b", **other)
        with pytest.raises(storage.DataSourceError) as err:
            storage.create_bytes(str(tmp_path / "manifest.json"), b"x")
        assert "by pid" in str(err.value) and "on host node-b, which this host cannot check" in str(
            err.value
        )
        assert lock.exists()


def test_a_lock_without_a_holder_is_never_taken(tmp_path, no_links):
    lock = _left_lock(tmp_path)  # a writer killed between creating it and writing its holder
    with pytest.raises(storage.DataSourceError) as err:
        storage.create_bytes(str(tmp_path / "manifest.json"), b"x")
    assert "(no holder recorded)" in str(err.value)
    assert lock.exists()


def test_a_reused_pid_is_told_by_its_start_time(tmp_path, no_links):
    boot, pidns = storage._this_kernel()
    live = os.getppid()
    start = storage._process_start(live)[1]
    timens = storage._time_namespace()  # a start time is compared within one time namespace
    lock = _left_lock(
        tmp_path, pid=live, start=start, host="h", boot=boot, pidns=pidns, timens=timens
    )
    with pytest.raises(storage.DataSourceError):  # the same process: alive
        storage.create_bytes(str(tmp_path / "manifest.json"), b"x")
    lock = _left_lock(
        tmp_path, pid=live, start=start - 1, host="h", boot=boot, pidns=pidns, timens=timens
    )
    assert (
        storage.create_bytes(str(tmp_path / "manifest.json"), b"x") is True
    )  # another process now
    assert not lock.exists()


def test_takers_are_serialised(tmp_path, no_links):
    boot, pidns = storage._this_kernel()
    lock = _left_lock(tmp_path, pid=_dead_pid(), start=1, host="h", boot=boot, pidns=pidns)
    guard = tmp_path / ".manifest.json.lock.x.takeover"
    guard.write_text("")  # another taker is at it
    assert storage._take_over_dead_lock(lock) is False
    assert lock.exists()
    guard.unlink()
    assert storage._take_over_dead_lock(lock) is True
    assert not lock.exists()
