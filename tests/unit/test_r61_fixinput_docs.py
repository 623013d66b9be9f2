"""Review 61 M2: docs/storage.md's example of a column turning to text far down a CSV showed round 60's output
(``row 180000``, 0-based, and the stream engine's absolute path) after round 61 counted rows from 1 and named the
typed path. The example is run here and each line it prints must stand in the doc as printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import late_change_csv

DOC = Path(__file__).resolve().parents[2] / "docs" / "storage.md"


def _run(cwd: Path, *args: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "ctloop", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    return [line for line in done.stderr.splitlines() if line.startswith(("warning:", "error:"))]


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_the_late_type_change_example_is_what_the_cli_prints(tmp_path, engine):
    late_change_csv(tmp_path / "ref.csv", 200_000, "x", "7")
    late_change_csv(tmp_path / "cur.csv", 200_000, "x", "abc")
    command = f"$ ctloop drift --reference ref.csv --current cur.csv --engine {engine} --no-report --quiet"
    doc = DOC.read_text().splitlines()
    assert command in doc
    lines = _run(tmp_path, *command.split()[2:])
    assert lines and all("'abc' on row 180001" in line for line in lines), lines
    shown = doc[doc.index(command) + 1:doc.index(command) + 1 + len(lines)]
    assert shown == lines
    assert "row 180000" not in DOC.read_text()
