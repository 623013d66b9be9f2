"""The ``.NAME.lock.x`` lock of ``storage.create_bytes`` (where there are no hard links) is left
behind by no failure of its own writer, and is never taken from a holder that still runs (fix 42e,
review of the round 42 storage hunt).

- A failed write of the holder record (a disk that filled, a quota, an I/O error) left an empty lock
  that no later writer takes over ("no holder recorded"): now the lock is removed and the error raised.
- A holder in another time namespace (``unshare -T --boottime``) was judged dead: the start time in
  ``/proc/PID/stat`` is shown shifted by the reader's boot-time offset. Start times are now compared
  only within the holder's recorded time namespace.
- A process whose main thread exited while other threads run shows ``Z`` and was judged dead.
- A taker killed inside its takeover leaves ``.NAME.lock.x.takeover``; the error then said the dead
  holder was "still running" and did not name the guard.
- A process name that is no UTF-8 made the start time unreadable (the holder then never judged).

The holders here are real processes."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ctloop import storage

_HOLDER = textwrap.dedent("""
    import ctypes, errno, os, sys, threading
    from ctloop import storage

    def no_link(src, dst):
        raise OSError(errno.EPERM, "no hard links here")

    real_replace = os.replace

    def replace(src, dst):
        if os.path.basename(dst) == "manifest.json":
            print("inside", flush=True)
            sys.stdin.readline()  # held until the test says go on
        return real_replace(src, dst)

    os.link = no_link
    os.replace = replace
    if sys.argv[2] == "name":  # a process name that is no UTF-8 (prctl PR_SET_NAME takes bytes)
        with open("/proc/self/comm", "wb") as comm:
            comm.write(b"ctl\\xff)(\\xfe")
    if sys.argv[2] == "thread":  # the main thread ends, a worker goes on holding the lock
        def work():
            print(storage.create_bytes(sys.argv[1], b"writer"), flush=True)
            os._exit(0)

        threading.Thread(target=work).start()
        ctypes.CDLL(None).pthread_exit(None)
    print(storage.create_bytes(sys.argv[1], b"writer"), flush=True)
""")


def _env() -> dict[str, str]:
    src = str(Path(storage.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


def _holder(path: Path, mode: str, prefix: tuple[str, ...] = ()) -> subprocess.Popen:
    proc = subprocess.Popen(
        [*prefix, sys.executable, "-c", _HOLDER, str(path), mode],
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

    def no_flock(_fd, _op):  # straight to .NAME.lock.x, where a holder is
        raise OSError(errno.EOPNOTSUPP, "no flock here")

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(fcntl, "flock", no_flock)
    monkeypatch.setattr(storage, "_LOCK_STALE_S", 0.1)  # a writer gives up after 0.2 s


def _held_by(proc: subprocess.Popen, path: Path, said: str = "still running") -> None:
    """``path`` cannot be created while ``proc`` holds its lock, and ``proc`` then writes it."""
    lock = path.with_name(f".{path.name}.lock.x")
    try:
        with pytest.raises(storage.DataSourceError) as err:
            storage.create_bytes(str(path), b"second")
        assert said in str(err.value)
        assert lock.exists() and not path.exists()
    finally:
        out, _ = proc.communicate("go\n", timeout=30)
    assert out.strip() == "True"
    assert path.read_bytes() == b"writer"  # the holder finished its write, nothing overwrote it


@pytest.mark.parametrize(
    "code", [errno.ENOSPC, errno.EDQUOT, errno.EIO], ids=["ENOSPC", "EDQUOT", "EIO"]
)
def test_a_failed_holder_record_leaves_no_lock(tmp_path, no_links, monkeypatch, code):
    path = tmp_path / "manifest.json"
    lock = tmp_path / ".manifest.json.lock.x"
    real_write = os.write

    def write(fd, data):
        if os.path.basename(os.readlink(f"/proc/self/fd/{fd}")) == lock.name:
            raise OSError(code, os.strerror(code))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(
        storage.DataSourceError, match=f"cannot write {path}: {os.strerror(code)}"
    ) as err:
        storage.create_bytes(str(path), b"first")
    assert err.value.__cause__.errno == code
    assert not lock.exists() and not path.exists()
    monkeypatch.setattr(
        os, "write", real_write
    )  # space freed: the next create goes through at once
    assert storage.create_bytes(str(path), b"next") is True
    assert path.read_bytes() == b"next"


def test_a_short_holder_record_leaves_no_lock(tmp_path, no_links, monkeypatch):
    path = tmp_path / "manifest.json"
    real_write = os.write
    monkeypatch.setattr(
        os, "write", lambda fd, data: real_write(fd, data[:10])
    )  # the disk filled mid-way
    with pytest.raises(
        storage.DataSourceError, match="cannot record the holder .* the disk is full"
    ):
        storage.create_bytes(str(path), b"first")
    assert not (tmp_path / ".manifest.json.lock.x").exists() and not path.exists()


def test_a_holder_in_another_time_namespace_is_never_taken(tmp_path, no_links):
    if (
        shutil.which("unshare") is None
        or subprocess.run(
            ["unshare", "-T", "--boottime", "1000", "true"], capture_output=True
        ).returncode
    ):
        pytest.skip("no time namespaces here (unshare -T needs Linux 5.6 and CAP_SYS_ADMIN)")
    path = tmp_path / "manifest.json"
    proc = _holder(path, "hold", ("unshare", "-T", "--boottime", "1000"))
    record = json.loads((tmp_path / ".manifest.json.lock.x").read_text())
    assert os.readlink(f"/proc/{record['pid']}/ns/time") != os.readlink("/proc/self/ns/time")
    assert storage._process_start(record["pid"])[1] != record["start"]  # shifted as read from here
    # not said to be running: a pid reused by a process started at another time reads the same (fix 42h3)
    _held_by(proc, path, "whose start time cannot be compared with the one recorded")


def test_a_holder_whose_main_thread_exited_is_alive(tmp_path, no_links):
    path = tmp_path / "manifest.json"
    proc = _holder(path, "thread")
    while storage._process_start(proc.pid)[0] != "Z":  # the main thread exited: the process shows Z
        os.sched_yield()
    _held_by(proc, path)


def test_a_holder_with_a_name_that_is_no_utf8_is_judged(tmp_path, no_links):
    path = tmp_path / "manifest.json"
    proc = _holder(path, "name")
    record = json.loads((tmp_path / ".manifest.json.lock.x").read_text())
    assert isinstance(record["start"], int)  # read from its own /proc/self/stat
    assert storage._process_start(proc.pid)[1] == record["start"]
    _held_by(proc, path)


def test_a_guard_left_by_a_killed_taker_is_named(tmp_path, no_links):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=30)
    boot, pidns = storage._this_kernel()
    lock = tmp_path / ".manifest.json.lock.x"
    lock.write_text(
        json.dumps({"pid": dead.pid, "start": 1, "boot": boot, "pidns": pidns, "host": "h"})
    )
    guard = tmp_path / ".manifest.json.lock.x.takeover"
    guard.write_text("")  # a taker killed between making it and removing it
    with pytest.raises(storage.DataSourceError) as err:
        storage.create_bytes(str(tmp_path / "manifest.json"), b"x")
    assert "still running" not in str(err.value)
    assert (
        f"by pid {dead.pid} on this host, which has exited, but {guard} left by a takeover"
        in str(err.value)
    )
    guard.unlink()  # removed, as the error says: the dead holder's lock is taken over
    assert storage.create_bytes(str(tmp_path / "manifest.json"), b"x") is True
    assert not lock.exists()
