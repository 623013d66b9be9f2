"""Session MLflow stores on /dev/shm without a lock file (tests/conftest.py): those left by sessions
from before round 54's flock scheme (none, or an ``owner.pid``) were never swept, ~1 MB of RAM each
for as long as the machine runs. They are removed once nothing in them was written for a day and no
process here holds a file of them open; a store being claimed, a fresh one, one a live process
holds, a symlink and another prefix are left alone."""

from __future__ import annotations

import os
import subprocess
import time

from tests.conftest import (
    RAM_STORE_LOCK,
    RAM_STORE_PREFIX,
    UNLOCKED_STORE_IDLE_S,
    _remove_orphan_stores,
)


def _store(root, name, *files: str):
    """A store as the session fixture left it before round 54: the database, the artifacts, the
    server's log (the MLflow server's stdout, tests/fixtures/servers.py ``daemon``)."""
    store = root / f"{RAM_STORE_PREFIX}{name}"
    (store / "artifacts" / "1").mkdir(parents=True)
    for file in ("mlflow.db", "python.log", "artifacts/1/model.pkl", *files):
        (store / file).write_bytes(b"x" * 64)
    return store


def _age(path, seconds: float) -> None:
    """Everything under ``path`` (and ``path``) last written ``seconds`` ago."""
    then = time.time() - seconds
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.utime(os.path.join(root, name), (then, then), follow_symlinks=False)
    os.utime(path, (then, then), follow_symlinks=False)


def test_unlocked_stores_idle_for_a_day_with_no_owner_here_are_removed(tmp_path):
    old = UNLOCKED_STORE_IDLE_S + 3600
    no_owner_file = _store(tmp_path, "r54-first")  # 0b8a8e22: no owner file at all
    dead_pid = _store(tmp_path, "r54-pid", "owner.pid")  # 38b3edf6: the owner's pid
    (dead_pid / "owner.pid").write_text("4194304")  # above pid_max: no such process
    fresh = _store(tmp_path, "fresh")  # a session between mkdtemp and its claim, or a live one
    written = _store(tmp_path, "written")  # old, but its database was written a minute ago
    claiming = _store(tmp_path, "claiming", f"{RAM_STORE_LOCK}.tmp")
    held = _store(tmp_path, "held")  # a live server here: its log open as its stdout
    other = tmp_path / "someone-else"
    other.mkdir()
    target = _store(tmp_path / "elsewhere", "target")
    link = tmp_path / f"{RAM_STORE_PREFIX}link"
    link.symlink_to(target)
    with open(held / "python.log", "a") as log:  # appending: opening writes nothing
        server = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=log)
    try:
        for path in (no_owner_file, dead_pid, written, claiming, held, other, target):
            _age(path, old)
        _age(fresh, UNLOCKED_STORE_IDLE_S - 3600)
        os.utime(written / "mlflow.db")

        assert sorted(_remove_orphan_stores(tmp_path)) == sorted([no_owner_file, dead_pid])
        assert not no_owner_file.exists() and not dead_pid.exists()
        assert all(
            p.exists() for p in (fresh, written, claiming, held, other, link, target / "mlflow.db")
        )
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    assert _remove_orphan_stores(tmp_path) == [held]  # its server is gone
