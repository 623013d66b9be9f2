"""Two sinks never share one write-ahead log (round 46).

Each sink replays, at its start, every ``segment-*.wal`` in its WAL directory and deletes them
once their rows are in Parquet. Two sinks started on one directory (``uvicorn --factory
ctloop.inference_log.app:app_from_env --workers 2``, both reading ``CTLOOP_LOG_WAL``; a second
``ctloop logger serve`` started by hand with the default ``--wal``) each took the other's live
segment for a crash's leftover: the second replayed the first's acknowledged events and deleted
its segment while the first still appended to it, so what the first acknowledged after that was
in a deleted file, lost at its next crash. Now a sink holds an exclusive lock on its WAL
directory from its start to its stop; a second one is refused at start with one line naming the
directory and the process holding it (``logger serve``: exit 2, before it listens).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from ctloop.errors import ConfigError
from ctloop.inference_log.events import parse_event
from ctloop.inference_log.sink import Sink

HEADERS = {  # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go)
    "ce-specversion": "1.0",
    "ce-source": "http://localhost:9081/",
    "ce-inferenceservicename": "credit",
    "ce-namespace": "ns",
    "ce-component": "predictor",
    "ce-endpoint": "",
    "ce-type": "org.kubeflow.serving.inference.request",
    "ce-time": "2026-01-04T10:30:00Z",
    "content-type": "application/json",
}


def _request(call: str):
    return parse_event({**HEADERS, "ce-id": call}, json.dumps({"instances": [[1.0]]}).encode())


def test_a_second_sink_on_one_wal_is_refused_and_the_first_loses_nothing(tmp_path):
    root, wal = tmp_path / "log", tmp_path / "wal"

    async def scenario():
        first = Sink(str(root), str(wal), flush_rows=10**9, flush_seconds=10**6)
        await first.start()
        await first.accept(_request("before"))
        segments = sorted(p.name for p in wal.glob("segment-*.wal"))
        second = Sink(str(root), str(wal), flush_rows=10**9, flush_seconds=10**6)
        with pytest.raises(ConfigError) as refused:
            await second.start()
        # before round 46 the second replayed "before", wrote it and deleted the first's segment
        assert sorted(p.name for p in wal.glob("segment-*.wal")) == segments
        assert not root.exists() or not list(root.rglob("*.parquet"))
        await first.accept(_request("after"))
        await first.stop()
        again = Sink(str(root), str(wal))  # the lock goes with the first sink's stop
        await again.start()
        await again.stop()
        return str(refused.value)

    message = asyncio.run(scenario())
    assert str(wal) in message and f"pid {os.getpid()}" in message and "--wal" in message
    assert "\n" not in message


def test_logger_serve_on_a_wal_in_use_exits_2_before_it_listens(tmp_path):
    root, wal = tmp_path / "log", tmp_path / "wal"

    async def scenario():
        first = Sink(str(root), str(wal))
        await first.start()
        try:
            command = [
                sys.executable,
                "-m",
                "ctloop",
                "logger",
                "serve",
                "--root",
                str(root),
                "--wal",
                str(wal),
                "--port",
                "1",
            ]  # port 1: reached only if the WAL check is not first
            return subprocess.run(
                command, capture_output=True, text=True, timeout=20, env={**os.environ}
            )
        finally:
            await first.stop()

    done = asyncio.run(scenario())
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(wal) in lines[0] and "another sink" in lines[0], done.stderr
