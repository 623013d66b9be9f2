"""A WAL line's copy replayed after its original already paired is dropped, not left to wait alone
and be written as a half row (round 42, item 4).

A flush carries each waiting event into the new segment and deletes the old one afterwards; a crash
in between leaves the event in both (at-least-once). Segments are named by ``time.time_ns()`` and
replayed in name order, so when the clock steps back between the two (NTP, or the WAL's volume
moved to a node whose clock is behind) the carry's segment — the copy, then the response that
arrived after it — replays first: the copy pairs with the response, and the original, replayed
last, found nothing waiting with its line id and waited alone, to be written as a request half
beside the complete row (``has_response`` false: counted as an unanswered call). Now a replayed
line whose id an earlier replayed line had is dropped and counted as a duplicate.
"""

from __future__ import annotations

import asyncio

from ctloop.inference_log.events import parse_event
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import parquet_rows


def _headers(kind: str) -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {"ce-id": "call-9", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
            "ce-namespace": "ns", "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": "2026-11-22T10:31:02.417Z", "content-type": "application/json"}


def test_the_original_replayed_after_its_paired_copy_is_dropped(tmp_path):
    request = parse_event(_headers("request"), b'{"instances": [{"x": 1.0}]}')
    request.wal_id = "0a1b2c3d4e5f-1"  # the id the sink gave the line; the carry keeps it
    response = parse_event({**_headers("response"), "ce-time": "2026-11-22T10:31:02.9Z"}, b'{"predictions": [1]}')
    response.wal_id = "0a1b2c3d4e5f-2"
    wal = tmp_path / "wal"
    wal.mkdir()
    # the carry's segment got the smaller time (the clock stepped back): it replays first
    (wal / "segment-00000000000000000001-bbbbbb.wal").write_bytes(request.to_wal() + b"\n" + response.to_wal() + b"\n")
    (wal / "segment-00000000000000000002-aaaaaa.wal").write_bytes(request.to_wal() + b"\n")

    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(wal), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        await sink.flush(final=True)
        duplicates = sink.stats.duplicate_ids
        await sink.stop()
        return duplicates

    duplicates = asyncio.run(scenario())
    rows = parquet_rows(tmp_path / "root")
    assert len(rows) == 1, rows[["request_id", "has_request", "has_response"]].to_dict("records")
    assert rows["has_request"].all() and rows["has_response"].all() and rows["prediction"].tolist() == [1]
    assert duplicates == 1  # the copy, counted as ctloop_log_duplicate_ids_total
