"""Two writers never both create one name where there are no hard links (fix round 41h2, review h2
finding 4).

``_create_by_rename`` took over a lock older than ``_LOCK_STALE_S`` by stat-ing it and then unlinking
it by name: a writer preempted between the two deleted a lock another writer had just taken over, and
a writer paused inside its lock for longer than the limit had its lock taken; both returned True and
the later rename overwrote the earlier one's file. Now the lock is an ``flock(2)`` on the lock file
(released by the kernel when its holder dies: nothing stale to take over), and a holder removes the
file while it still holds it, so a waiter that locked the removed file tries again."""

from __future__ import annotations

import errno
import os
import pathlib
import threading
import time

import pytest

from ctloop import storage


@pytest.fixture
def no_hard_links(monkeypatch):
    def refuse(*_a, **_k):
        raise OSError(errno.EPERM, "Operation not permitted")  # FAT, some FUSE mounts

    monkeypatch.setattr(os, "link", refuse)


def _race(target, monkeypatch, *, slow_stat: float, slow_replace: float):
    real_stat, real_replace = pathlib.Path.stat, os.replace

    def stat(self, *a, **k):
        r = real_stat(self, *a, **k)
        if self.name.endswith(".lock") and threading.current_thread().name == "C":
            time.sleep(slow_stat)  # C preempted between its look at the lock and what it does next
        return r

    def replace(src, dst):
        if threading.current_thread().name == "B":
            time.sleep(slow_replace)  # B preempted inside its lock, before its rename
        return real_replace(src, dst)

    monkeypatch.setattr(pathlib.Path, "stat", stat)
    monkeypatch.setattr(os, "replace", replace)
    results: dict[str, object] = {}

    def write(name: str) -> None:
        try:
            results[name] = storage.create_bytes(str(target), name.encode())
        except Exception as exc:  # noqa: BLE001 - an error is no second success
            results[name] = exc

    threads = [threading.Thread(target=write, args=(n,), name=n) for n in ("C", "B")]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join()
    return results


def test_a_stale_lock_is_not_taken_from_a_writer_that_just_took_it_over(tmp_path, no_hard_links, monkeypatch):
    target = tmp_path / "manifest.json"
    lock = tmp_path / ".manifest.json.lock"
    lock.touch()
    os.utime(lock, (time.time() - 60, time.time() - 60))  # a killed writer's lock
    results = _race(target, monkeypatch, slow_stat=0.3, slow_replace=0.6)
    # before: {'C': True, 'B': True}, the file B's (C's create overwritten)
    assert [name for name, made in results.items() if made is True] == [target.read_text()], results


def test_a_writer_paused_inside_its_lock_keeps_it(tmp_path, no_hard_links, monkeypatch):
    monkeypatch.setattr(storage, "_LOCK_STALE_S", 0.2)
    target = tmp_path / "manifest.json"
    real_replace = os.replace

    def replace(src, dst):
        if threading.current_thread().name == "B":
            time.sleep(0.3)  # longer than the stale limit, shorter than a waiter's patience
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    results: dict[str, object] = {}

    def write(name: str) -> None:
        results[name] = storage.create_bytes(str(target), name.encode())

    threads = [threading.Thread(target=write, args=(n,), name=n) for n in ("B", "C")]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join()
    # before: both True, C's file overwritten by B's
    assert results == {"B": True, "C": False} and target.read_text() == "B"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_where_flock_is_refused_an_exclusive_lock_file_serves(tmp_path, no_hard_links, monkeypatch):
    import fcntl

    def refuse(*_a):
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")  # ENOLCK is waited out (fix41j3)

    monkeypatch.setattr(fcntl, "flock", refuse)
    target = tmp_path / "manifest.json"
    assert storage.create_bytes(str(target), b"A")
    assert not storage.create_bytes(str(target), b"B")
    assert target.read_text() == "A"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".manifest.json.lock", "manifest.json"]  # .lock kept
