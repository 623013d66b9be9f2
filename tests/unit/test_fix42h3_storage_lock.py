"""A ``.NAME.lock.x`` whose holder's start time cannot be compared is not said to be held by a
process "still running" (fix 42h3, review of fix 42e). Fix 42e compares start times only within the
holder's recorded time namespace, so a lock written by an earlier release (no ``timens`` in its
record), whose pid now belongs to another process, is never taken over: right, but the error said
the lock was held by a process "still running", and nothing said why or that it is safe to remove.
The holders here are real processes (``sleep``) under this kernel and pid namespace."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import subprocess

import pytest

from ctloop import storage


@pytest.fixture
def no_links(monkeypatch):
    def no_link(_src, _dst):
        raise OSError(errno.EPERM, "no hard links here")

    def no_flock(_fd, _op):  # straight to .NAME.lock.x
        raise OSError(errno.EOPNOTSUPP, "no flock here")

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(fcntl, "flock", no_flock)
    monkeypatch.setattr(storage, "_LOCK_STALE_S", 0.1)  # a writer gives up after 0.2 s


@pytest.fixture
def other():
    proc = subprocess.Popen(["sleep", "30"])  # the recorded pid, now another process's
    yield proc
    proc.kill()
    proc.wait(timeout=30)


@pytest.mark.parametrize(
    ("timens", "where"),
    [
        (None, "by an earlier ctloop release, which recorded no time namespace"),
        ("time:[1]", "in another time namespace, or one not known"),
    ],
    ids=["earlier-release", "other-time-namespace"],
)
def test_a_holder_whose_start_time_cannot_be_compared_is_said_so(
    tmp_path, no_links, other, timens, where
):
    boot, pidns = storage._this_kernel()
    record = {"pid": other.pid, "start": 1, "boot": boot, "pidns": pidns, "host": "h"}
    if timens is not None:
        record["timens"] = timens
    lock = tmp_path / ".manifest.json.lock.x"
    lock.write_text(json.dumps(record))
    with pytest.raises(storage.DataSourceError) as err:
        storage.create_bytes(str(tmp_path / "manifest.json"), b"x")
    said = str(err.value)
    assert "still running" not in said
    assert (
        f"held by pid {other.pid} on this host, whose start time cannot be compared with the one "
        f"recorded (the lock was written {where}): that pid may be the holder or a process that "
        "reused it (remove it if no ctloop job writes manifest.json)"
    ) in said
    assert lock.exists() and not (tmp_path / "manifest.json").exists()  # never taken over
    lock.unlink()  # removed by hand, as the error says
    assert storage.create_bytes(str(tmp_path / "manifest.json"), b"x") is True


def test_a_holder_of_this_release_still_running_is_said_so(tmp_path, no_links, other):
    boot, pidns = storage._this_kernel()
    start = storage._process_start(other.pid)[1]
    record = {"pid": other.pid, "start": start, "boot": boot, "pidns": pidns, "host": "h"}
    record["timens"] = storage._time_namespace()
    (tmp_path / ".manifest.json.lock.x").write_text(json.dumps(record))
    with pytest.raises(
        storage.DataSourceError, match=f"by pid {other.pid} on this host, still running"
    ):
        storage.create_bytes(str(tmp_path / "manifest.json"), b"x")
