"""Fault injection: the sink SIGKILLed under real HTTP load, twice, restarted each time on the same
write-ahead log. Invariant: every event answered 2xx is in Parquet at the end (at-least-once:
duplicates allowed, deduplicated on (request_id, instance)). Counted and asserted."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.test_sink_server import load, read_rows

pytestmark = pytest.mark.slow


def test_sigkill_under_load_loses_no_acknowledged_event(tmp_path):
    acked: list[tuple[str, str]] = []
    killed_with_segments = []
    opts = {"flush_seconds": 0.3, "flush_rows": 400, "join_ttl_seconds": 60}
    proc, url = start_sink(tmp_path, **opts)
    for round_ in range(2):
        stop = threading.Event()
        threads = load(url, f"r{round_}", acked, stop)
        time.sleep(1.0 + 0.37 * round_)  # flushes have run (every 0.3 s) ...
        deadline = time.monotonic() + 60
        while sum(1 for i, _ in acked if i.startswith(f"r{round_}-")) < 150 and time.monotonic() < deadline:
            time.sleep(0.05)  # ... and enough was acknowledged, however slow a shared machine is
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=10)
        killed_with_segments.append(len(list((tmp_path / "wal").glob("*.wal"))))
        proc, url = start_sink(tmp_path, **opts)  # same WAL: replayed at start
    stop_group(proc)  # SIGTERM: the final flush

    n_round = [sum(1 for i, _ in acked if i.startswith(f"r{r}-")) for r in range(2)]
    assert min(n_round) >= 150, f"the load did not run: {n_round} events acknowledged per round"
    assert all(killed_with_segments), "the kill left no WAL to replay: it did not land mid-stream"
    rows = read_rows(tmp_path / "root")
    have = {(r, "request") for r in rows.loc[rows.has_request, "request_id"]}
    have |= {(r, "response") for r in rows.loc[rows.has_response, "request_id"]}
    lost = [a for a in acked if a not in have]
    assert not lost, f"{len(lost)} of {len(acked)} acknowledged events missing, e.g. {lost[:5]}"
    # each request has two instances: nothing but duplicates of whole rows beyond that
    unique = rows.drop_duplicates(subset=["request_id", "instance", "has_request", "has_response"])
    assert unique.groupby(["request_id", "has_request", "has_response"]).size().isin([2]).all()
    assert not list((tmp_path / "wal").glob("*.wal")), "the last clean stop leaves no WAL behind"
