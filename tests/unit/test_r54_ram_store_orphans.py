"""The session MLflow store on /dev/shm (tests/conftest.py): a store a killed session left behind
is removed by the next session; a live session's store, and one not yet claimed, are left alone.
Liveness is the store's lock, not a pid: a container sharing the host's /dev/shm sees another PID
namespace's live owner as gone (round 54 review: a pid check removed a live store there)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import RAM_STORE_LOCK, RAM_STORE_PREFIX, _claim_store, _remove_orphan_stores


def _store(root, name, lock: bool):
    store = root / f"{RAM_STORE_PREFIX}{name}"
    (store / "artifacts").mkdir(parents=True)
    (store / "mlflow.db").write_bytes(b"x" * 64)
    if lock:
        (store / RAM_STORE_LOCK).touch()
    return store


def test_a_killed_sessions_store_is_removed_and_a_live_one_kept(tmp_path):
    dead = _store(tmp_path, "dead", lock=True)  # its owner's lock went with its process
    live_here = _store(tmp_path, "live-here", lock=False)
    unclaimed = _store(tmp_path, "unclaimed", lock=False)
    other = tmp_path / "someone-else"
    other.mkdir()
    elsewhere = _store(tmp_path, "live-elsewhere", lock=False)
    holder = (
        subprocess.Popen(  # another process (as another PID namespace would be) holding its lock
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from tests.conftest import _claim_store; "
                "_claim_store(Path(sys.argv[1])); print('held', flush=True); sys.stdin.read()",
                str(elsewhere),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=os.getcwd(),
        )
    )
    claim = _claim_store(live_here)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert _remove_orphan_stores(tmp_path) == [dead]
        assert not dead.exists()
        assert live_here.exists() and elsewhere.exists() and unclaimed.exists() and other.exists()
    finally:
        os.close(claim)
        holder.stdin.close()
        holder.wait(timeout=30)
    assert sorted(_remove_orphan_stores(tmp_path)) == sorted(
        [live_here, elsewhere]
    )  # their owners are gone now


def test_a_sweep_between_creating_and_locking_a_claim_leaves_the_store(tmp_path, monkeypatch):
    """Another session sweeps at its start, when this one may be claiming: its lock file must not be
    found unlocked under the name the sweep reads (review of 6a90c8c3: the store was removed)."""
    import fcntl

    store = _store(tmp_path, "claiming", lock=False)
    flock, swept = fcntl.flock, []

    def sweep_first(fd, operation):
        if operation == fcntl.LOCK_EX and not swept:  # the claim's own lock, about to be taken
            swept.append(_remove_orphan_stores(tmp_path))
        return flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", sweep_first)
    claim = _claim_store(store)
    try:
        assert swept == [[]] and store.exists() and (store / RAM_STORE_LOCK).exists()
    finally:
        os.close(claim)
