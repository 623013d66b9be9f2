"""The session MLflow store on /dev/shm (tests/conftest.py): a store a killed session left behind
is removed by the next session; a live session's store, and one not yet claimed, are left alone."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import RAM_STORE_OWNER, RAM_STORE_PREFIX, _remove_orphan_stores


def _store(root, name, owner):
    store = root / f"{RAM_STORE_PREFIX}{name}"
    (store / "artifacts").mkdir(parents=True)
    (store / "mlflow.db").write_bytes(b"x" * 64)
    if owner is not None:
        (store / RAM_STORE_OWNER).write_text(str(owner))
    return store


def test_a_killed_sessions_store_is_removed_and_a_live_one_kept(tmp_path):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = _store(tmp_path, "dead", int(gone.stdout))
    live = _store(tmp_path, "live", os.getpid())
    unclaimed = _store(tmp_path, "unclaimed", None)
    garbled = _store(tmp_path, "garbled", "not-a-pid")
    other = tmp_path / "someone-else"
    other.mkdir()

    assert _remove_orphan_stores(tmp_path) == [dead]
    assert not dead.exists()
    assert live.exists() and unclaimed.exists() and garbled.exists() and other.exists()
