"""Every benchmark answers ``--help`` with its usage (exit 0) instead of a traceback or a run:
``bench_score``, ``bench_csv_read``, ``bench_log_read``, ``bench_model_io`` and
``bench_skops_many_trees`` read ``int(sys.argv[1])`` (ValueError on '--help'), and
``bench_train_speed`` ignored its arguments and started a run of minutes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import REPO

SCRIPTS = sorted(p.name for p in (REPO / "benchmarks").glob("*.py")
                 if not p.name.startswith("_") and p.name != "streams.py")  # streams.py: a catalogue, no options


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_is_usage(script):
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / script), "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.startswith("usage:"), done.stdout[:200]
