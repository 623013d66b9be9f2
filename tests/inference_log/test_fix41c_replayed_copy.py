"""A request copied into the WAL twice is one event, not a waiting spare (fix round 41c, review finding 1).

A crash after a flush copied a waiting request into the new WAL segment and before it deleted the old
segment leaves the request in both (``sink.flush``: at-least-once). The replay used to keep both
copies waiting: the response of that call popped one, the other stayed waiting as an ordinary request,
and a later call reusing the ``Ce-Id`` got its response paired with the leftover copy (call B's
prediction written against call A's features), or, when B's request came first, met the leftover and
made the id ambiguous, so B's correct pair was lost. KServe v0.20.0 ``pkg/logger/handler.go``
(``getOrCreateID``: the client's ``Ce-Id`` header, else a new UUID) lets a client reuse an id for
later calls. Now an exact copy of an event already waiting is dropped on arrival (counted as a
duplicate): the copy in memory is the same acknowledged event, and a flush carries it on.
"""

from __future__ import annotations

import asyncio
import json

import httpx

from ctloop.inference_log.app import create_app
from ctloop.inference_log.events import parse_event
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import parquet_rows


def _headers(kind: str) -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {"ce-id": "retry-7", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
            "ce-namespace": "ns", "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": "2026-11-22T10:31:02.417Z", "content-type": "application/json"}


def _replay_twice_then(tmp_path, events, wal_body=b'{"instances": [{"x": 1.0}]}'):
    """Call A's request in two WAL segments (the crash), then ``events`` posted after the restart."""
    request = parse_event(_headers("request"), wal_body)
    request.wal_id = "0a1b2c3d4e5f-1"  # the line id the sink gave it; the flush's copy keeps it (fix41h2)
    wal = tmp_path / "wal"
    wal.mkdir()
    (wal / "segment-00000000000000000001-aaaaaa.wal").write_bytes(request.to_wal() + b"\n")
    (wal / "segment-00000000000000000002-bbbbbb.wal").write_bytes(request.to_wal() + b"\n")

    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(wal), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            for kind, body, when in events:
                headers = {**_headers(kind), "ce-time": when}
                assert (await c.post("/", headers=headers, content=json.dumps(body))).status_code == 200
            await sink.flush(final=True)
            metrics = (await c.get("/metrics")).text
        await sink.stop()
        return metrics

    metrics = asyncio.run(scenario())
    return parquet_rows(tmp_path / "root"), metrics


def _pairs(rows):
    paired = rows[rows.has_request & rows.has_response]
    return sorted(paired[["x", "prediction"]].values.tolist())


def test_a_later_call_reusing_the_id_is_not_paired_with_the_leftover_copy(tmp_path):
    rows, metrics = _replay_twice_then(tmp_path, [
        ("response", {"predictions": [0.1]}, "2026-11-22T10:31:02.500Z"),  # call A's response
        ("response", {"predictions": [0.2]}, "2026-11-22T10:40:00.100Z"),  # call B (same Ce-Id), response first
        ("request", {"instances": [{"x": 2.0}]}, "2026-11-22T10:40:00.000Z")])  # B's request
    # before: [[1.0, 0.1], [1.0, 0.2]] and a half row x=2 (B's prediction written against A's features)
    assert _pairs(rows) == [[1.0, 0.1], [2.0, 0.2]], rows
    assert len(rows) == 2
    assert "ctloop_log_ambiguous_ids_total 0" in metrics


def test_a_later_request_does_not_meet_the_leftover_copy(tmp_path):
    rows, metrics = _replay_twice_then(tmp_path, [
        ("response", {"predictions": [0.1]}, "2026-11-22T10:31:02.500Z"),  # call A's response
        ("request", {"instances": [{"x": 2.0}]}, "2026-11-22T10:40:00.000Z"),  # call B, request first
        ("response", {"predictions": [0.2]}, "2026-11-22T10:40:00.100Z")])
    # before: B's request met A's leftover copy: the id was ambiguous, B written as two half rows
    assert _pairs(rows) == [[1.0, 0.1], [2.0, 0.2]], rows
    assert len(rows) == 2
    assert "ctloop_log_ambiguous_ids_total 0" in metrics


def test_a_copy_with_nan_in_its_body_is_a_copy_too(tmp_path):
    rows, _ = _replay_twice_then(tmp_path, [
        ("response", {"predictions": [0.1]}, "2026-11-22T10:31:02.500Z"),
        ("request", {"instances": [{"x": 2.0}]}, "2026-11-22T10:40:00.000Z"),
        ("response", {"predictions": [0.2]}, "2026-11-22T10:40:00.100Z")],
        wal_body=b'{"instances": [{"x": 1.0, "y": NaN}]}')
    assert _pairs(rows) == [[1.0, 0.1], [2.0, 0.2]], rows
