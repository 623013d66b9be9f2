"""benchmarks/bench_logger_load.py runs from a fresh clone: before, it crashed with
FileNotFoundError when benchmarks/results/ did not exist yet (the PNG was saved before anything
created the directory). One short real run: wrk against a real sink, a results directory that does
not exist, the 2xx answers counted against the events in Parquet."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.helpers import REPO

pytestmark = pytest.mark.slow


def test_the_load_benchmark_creates_its_results_directory_and_checks_zero_loss(tmp_path):
    if shutil.which("wrk") is None:
        pytest.fail("wrk is required: run `make tools` (Debian package wrk)")
    results = tmp_path / "fresh-clone" / "benchmarks" / "results"
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_logger_load.py"), "--seconds", "1",
                          "--rounds", "1", "--connections", "4", "--results", str(results)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((results / "logger_load.json").read_text())
    assert (results / "logger_load.png").stat().st_size > 1000
    (only,) = report["runs"]
    assert only["acknowledged"] > 0 and only["lost"] == 0
    assert only["events_in_parquet"] >= only["acknowledged"]
    assert "events_per_s" in run.stdout and "lost" in run.stdout
    (row,) = report["summary"]
    assert row["load_1m"] == only["loadavg_1m_before"], "the shared machine's load is part of the summary"


def test_the_sink_profiler_reports_cpu_shares_of_a_loaded_sink(tmp_path):
    """benchmarks/profile_sink.py: the real sink under cProfile, started once it answers, stopped
    by SIGTERM (uvicorn re-raises it after shutdown: the stats must be written before that)."""
    if shutil.which("wrk") is None:
        pytest.fail("wrk is required: run `make tools` (Debian package wrk)")
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "profile_sink.py"), "--seconds", "1",
                          "--connections", "2", "--top", "40"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "events acknowledged under the profiler" in run.stdout
    shares = [line for line in run.stdout.splitlines() if line.rstrip().endswith("%")]
    assert any("HTTP" in line for line in shares) and any("event parsing" in line for line in shares)
    assert "parse_event" in run.stdout  # among the top functions
