"""``ctloop logger requeue`` in bounded memory, resumable, and saying why nothing was requeued.

The set-aside lines are made by a real in-process :class:`~ctloop.inference_log.sink.Sink`
replaying a WAL an older version (no cap) wrote, under a small cap, as ``logger serve`` does at
start (tests/inference_log/test_requeue.py does the same through the real server).

* Before, every set-aside line was read and parsed into a list before any was written: these are
  the events too big for the sink, so N of them needed N times the memory ``--max-body-bytes``
  asks for (OOM-killed, never finishing, every rerun from the start). Now one line is read,
  written, flushed and recorded at a time: the peak is one line's whatever their number, and a
  run killed part-way resumes after the last line it recorded.
* When every set-aside line was corrupt, the exit-2 line said "0 still over the cap …: raise
  --max-body-bytes", which no limit fixes.
"""

from __future__ import annotations

import asyncio
import json
import tracemalloc

import orjson
import pyarrow.dataset as ds
import pytest

from ctloop import storage
from ctloop.errors import InferenceLogError
from ctloop.inference_log import requeue
from ctloop.inference_log.events import parse_event
from ctloop.inference_log.requeue import run_requeue
from ctloop.inference_log.sink import Sink

ROWS = 1500  # a request's rows: 3 features, 17 values a row with the identity columns (25,500 values)
SINK_CAP = 1000  # the replaying sink's cap: every such request is set aside
LIMIT = 16 * 100_000  # requeue's --max-body-bytes: a cap of 100,000 values, each request under it
ONE_A_FLUSH = 16 * 30_000  # a cap of 30,000 values: one request at a time


def agent_headers(ce_id: str, kind: str) -> dict[str, str]:
    """What KServe v0.20.0's agent sends (pkg/logger/worker.go), as in test_v2_request_id.py."""
    return {"Ce-Id": ce_id, "Ce-Type": f"org.kubeflow.serving.inference.{kind}", "Ce-Specversion": "1.0",
            "Ce-Source": "http://localhost:9081/", "Ce-Inferenceservicename": "credit", "Ce-Namespace": "ctloop",
            "Ce-Component": "predictor", "Ce-Endpoint": "default", "Ce-Metadata": "{}",
            "Ce-Time": "2026-12-01T10:00:00.123456789Z", "Content-Type": "application/json"}


def big_request(ce_id: str, seed: int) -> bytes:
    body = {"instances": [{"income": 1000 + seed * ROWS + i, "age": 30 + i % 40, "region": "north"}
                          for i in range(ROWS)]}
    return parse_event(agent_headers(ce_id, "request"), json.dumps(body).encode()).to_wal() + b"\n"


def set_aside(tmp_path, name: str, lines: list[bytes]) -> str:
    """A root whose ``_quarantine`` holds ``lines`` set aside by a real sink's replay."""
    root, wal = tmp_path / name, tmp_path / f"{name}-wal"
    wal.mkdir()
    (wal / "segment-00000000000000000001-aaaaaa.wal").write_bytes(b"".join(lines))

    async def replay() -> None:
        sink = Sink(str(root), str(wal), max_values=SINK_CAP, flush_seconds=3600)
        await sink.start()
        assert sink.stats.wal_set_aside == len(lines)
        await sink.stop()

    asyncio.run(replay())
    assert len(requeue_lines(str(root))) == len(lines)
    return str(root)


def requeue_lines(root: str) -> list[str]:
    return [line for _, line in requeue.set_aside_lines(root)]


def parquet_rows(root: str) -> int:
    """Rows in the Parquet files as stored (no reader's deduplication)."""
    files = storage.list_files(f"{root}/model=credit", ".parquet")
    return ds.dataset(files, format="parquet").count_rows() if files else 0


def peak_of(root: str) -> int:
    tracemalloc.start()
    try:
        summary = run_requeue(root, max_body_bytes=LIMIT)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        assert summary.requeued == summary.lines


def test_requeue_memory_is_one_caps_values_whatever_the_number_of_lines(tmp_path):
    """Lines are flushed and recorded once the next would hold more than the cap's values (here
    100,000: three lines of 25,500): twelve lines need what one batch of three needs."""
    run_requeue(set_aside(tmp_path, "warm", [big_request("w", 99)]), max_body_bytes=LIMIT)  # imports, caches
    three = peak_of(set_aside(tmp_path, "three", [big_request(f"a{i}", i) for i in range(3)]))
    twelve = set_aside(tmp_path, "twelve", [big_request(f"r{i}", i) for i in range(12)])
    peak = peak_of(twelve)
    assert peak < 1.5 * three, f"twelve lines peaked at {peak:,} bytes, three at {three:,}"
    assert parquet_rows(twelve) == 12 * ROWS
    # four flushes (3 + 3 + 3 + 3 lines), not twelve (review: thousands of tiny files), one ledger record compacted
    assert len(storage.list_files(f"{twelve}/model=credit", ".parquet")) == 4
    assert len(storage.list_files(f"{twelve}/_imports/quarantine-requeue", ".json")) == 1


def test_a_requeue_killed_part_way_resumes_after_the_last_line_it_recorded(tmp_path, monkeypatch):
    root = set_aside(tmp_path, "root", [big_request(f"r{i}", i) for i in range(3)])
    flushes = 0
    real_flush = Sink.flush

    async def flush_then_die(self, final: bool = False):
        nonlocal flushes
        written = await real_flush(self, final)
        flushes += 1
        if flushes == 2:
            raise KeyboardInterrupt  # killed after the second line's rows are in Parquet, before its record
        return written

    monkeypatch.setattr(Sink, "flush", flush_then_die)
    with pytest.raises(KeyboardInterrupt):
        run_requeue(root, max_body_bytes=ONE_A_FLUSH)
    monkeypatch.undo()
    assert parquet_rows(root) == 2 * ROWS
    assert len(storage.list_files(f"{root}/_imports/quarantine-requeue", ".json")) == 1  # the first line

    summary = run_requeue(root, max_body_bytes=LIMIT)
    assert (summary.lines, summary.already, summary.requeued) == (3, 1, 2)
    assert parquet_rows(root) == 4 * ROWS  # the second line again (at-least-once), the first not
    again = run_requeue(root, max_body_bytes=LIMIT)
    assert (again.already, again.requeued) == (3, 0) and parquet_rows(root) == 4 * ROWS
    assert len(storage.list_files(f"{root}/_imports/quarantine-requeue", ".json")) == 1  # the killed run's merged in


def test_when_every_set_aside_line_is_corrupt_the_error_names_them_not_the_cap(tmp_path):
    root = set_aside(tmp_path, "root", [big_request("a", 0), big_request("b", 1)])
    for uri in storage.list_files(f"{root}/_quarantine", ".jsonl"):  # cut in the middle (a disk fault, an edit)
        records = [orjson.loads(x) for x in storage.read_bytes(uri).splitlines()]
        for record in records:
            record["wal_line"] = record["wal_line"][: len(record["wal_line"]) // 2]
        storage.write_bytes(uri, b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    with pytest.raises(InferenceLogError) as info:
        run_requeue(root, max_body_bytes=LIMIT)
    message = str(info.value)
    assert "\n" not in message
    assert "2 set-aside WAL line(s), 2 corrupt" in message, message
    assert "over the cap" not in message and "raise --max-body-bytes" not in message, message
    assert "_quarantine/date=" in message and ".jsonl:1:" in message, message  # the first one, where it is
    assert storage.list_files(f"{root}/_imports", ".json") == []


def test_the_error_names_both_kinds_when_some_are_over_the_cap_and_some_corrupt(tmp_path):
    root = set_aside(tmp_path, "root", [big_request("a", 0), big_request("b", 1)])
    uri, = storage.list_files(f"{root}/_quarantine", ".jsonl")
    first, second = storage.read_bytes(uri).splitlines()
    record = orjson.loads(second)
    record["wal_line"] = "{not an event"
    storage.write_bytes(uri, first + b"\n" + orjson.dumps(record) + b"\n")
    with pytest.raises(InferenceLogError) as info:
        run_requeue(root, max_body_bytes=16 * SINK_CAP)
    message = str(info.value)
    assert f"2 set-aside WAL line(s), 1 still over the cap of {SINK_CAP:,} values (--max-body-bytes " \
           f"{16 * SINK_CAP} / 16): raise --max-body-bytes, 1 corrupt" in message, message
    assert "first over the cap: " in message and "request a of model credit holds at least" in message, message
    assert f"first corrupt: {uri}:2: " in message, message
