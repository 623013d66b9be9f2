"""A test session leaves the system temporary directory as it found it (issue 13, item 9: a
``make test`` run left ~50 ``kfp-workspace-*`` and ``tmp.*`` task copies and ``db_init_lock-*``
files behind). A small real session (tests/unit/session_tmp_probe.py: a kfp.local task, an
MLflow sqlite store) runs with ``TMPDIR`` = an empty directory, its base temp elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_session_leaves_the_system_temp_dir_unchanged(tmp_path):
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp",
         str(tmp_path / "basetemp"), "tests/unit/session_tmp_probe.py"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env={**os.environ, "TMPDIR": str(system_tmp)},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "2 passed" in done.stdout
    assert sorted(p.name for p in system_tmp.iterdir()) == []
