"""Two inferences logged under one ``ce-id`` are never cross-paired by the sink (round 41, item 1).

KServe's agent (v0.20.0 ``pkg/logger/handler.go`` ``getOrCreateID``) uses the client's ``Ce-Id``
header as the id of both events of an inference, else a new UUID; it queues the request event
before calling the model and the response event after (``QueueLogRequest``), and a pool of workers
sends them (``pkg/logger/worker.go``), so the events of two calls with the same ``Ce-Id`` reach the
sink in any order. Before, a response paired with the latest request of its id still waiting: two
concurrent calls under one id (a client sending one ``Ce-Id`` header with both; an ``X-Request-Id``
sets no id: v0.20.0 ``getOrCreateID`` reads ``Ce-Id`` only, else a new UUID) got each other's
predictions. Now a response pairs only when its id has exactly one request waiting and no other
response (and the reverse): once an id has two events of one kind waiting, none of its waiting
events pairs, each is written as a half row after ``--join-ttl-seconds``, the id counted in
``ctloop_log_ambiguous_ids_total``.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pandas as pd
import pytest

from ctloop.inference_log.app import create_app
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import parquet_rows


def _headers(kind: str) -> dict[str, str]:
    # binary mode as KServe's agent sends it (v0.20.0 pkg/logger/worker.go: every extension set)
    return {"ce-id": "retry-7", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
            "ce-namespace": "ns", "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": "2026-11-22T10:31:02.417Z", "content-type": "application/json"}


def _run(tmp_path, events: list[tuple[str, dict]]) -> tuple[pd.DataFrame, str]:
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        app = create_app(sink)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sink") as client:
            for kind, body in events:
                answer = await client.post("/", headers=_headers(kind), content=json.dumps(body))
                assert answer.status_code == 200, answer.text
            await sink.flush(final=True)
            metrics = (await client.get("/metrics")).text
        await sink.stop()
        return metrics
    metrics = asyncio.run(scenario())
    return parquet_rows(tmp_path / "root"), metrics


def test_two_concurrent_calls_under_one_id_are_not_cross_paired(tmp_path):
    # call A (x=1, answered 0.1) and call B (x=2, answered 0.2): both requests, then A's response
    rows, metrics = _run(tmp_path, [("request", {"instances": [{"x": 1.0}]}),
                                    ("request", {"instances": [{"x": 2.0}]}),
                                    ("response", {"predictions": [0.1]}),
                                    ("response", {"predictions": [0.2]})])
    assert len(rows) == 4, rows  # before: 2 complete rows, x=2 with 0.1 and x=1 with 0.2
    assert not (rows.has_request & rows.has_response).any()
    assert sorted(rows.x.dropna()) == [1.0, 2.0] and sorted(rows.prediction.dropna()) == [0.1, 0.2]
    assert "ctloop_log_ambiguous_ids_total 1" in metrics  # one id (fix41c: ids, not events)


def test_responses_first_are_not_cross_paired_either(tmp_path):
    rows, metrics = _run(tmp_path, [("response", {"predictions": [0.1]}),
                                    ("response", {"predictions": [0.2]}),
                                    ("request", {"instances": [{"x": 1.0}]})])
    assert len(rows) == 3 and not (rows.has_request & rows.has_response).any()
    assert "ctloop_log_ambiguous_ids_total 1" in metrics  # one id (fix41c: ids, not events)


def test_one_request_and_its_response_still_pair_and_so_does_a_later_reuse(tmp_path):
    rows, metrics = _run(tmp_path, [("response", {"predictions": [0.1]}),  # the workers may send it first
                                    ("request", {"instances": [{"x": 1.0}]}),
                                    ("request", {"instances": [{"x": 2.0}]}),  # the id reused after that pair
                                    ("response", {"predictions": [0.2]})])
    assert (rows.has_request & rows.has_response).all() and len(rows) == 2
    assert rows.sort_values("x")[["x", "prediction"]].values.tolist() == [[1.0, 0.1], [2.0, 0.2]]
    assert "ctloop_log_ambiguous_ids_total 0" in metrics


@pytest.mark.parametrize("body", [b'{"instances": [{"x": 1.0}]}',
                                  b'{"instances": [{"x": 1.0, "y": NaN}]}'])  # NaN != NaN: compared as written
def test_a_replayed_copy_of_a_waiting_request_still_pairs(tmp_path, body):
    """A crash after a flush copied a waiting request into the new WAL segment and before it deleted
    the old one leaves the request in both (sink.flush: at-least-once); the replay adds it twice. Two
    copies (same time and body) are one call, not two: its response still pairs with it."""
    from ctloop.inference_log.events import parse_event

    request = parse_event(_headers("request"), body)
    request.wal_id = "0a1b2c3d4e5f-1"  # the line id the sink gave it; the flush's copy keeps it (fix41h2)
    wal = tmp_path / "wal"
    wal.mkdir()
    (wal / "segment-00000000000000000001-aaaaaa.wal").write_bytes(request.to_wal() + b"\n")
    (wal / "segment-00000000000000000002-bbbbbb.wal").write_bytes(request.to_wal() + b"\n")
    rows, metrics = _run(tmp_path, [("response", {"predictions": [0.1]})])
    paired = rows[rows.has_request & rows.has_response]
    assert paired[["x", "prediction"]].values.tolist() == [[1.0, 0.1]], rows
    assert "ctloop_log_ambiguous_ids_total 0" in metrics


def test_a_restart_does_not_pair_what_was_ambiguous(tmp_path):
    """A flush copies the events still waiting into the new WAL segment (requests, then responses);
    a restart replays them in that order. An id with two responses and then one request waiting
    was replayed request, response (paired), response: the restart paired what the sink had refused to.
    Now the events of an ambiguous id are copied the larger kind first, so the replay sees the
    ambiguity again before anything could pair."""
    async def scenario():
        wal = str(tmp_path / "wal")
        sink = Sink(str(tmp_path / "root"), wal, flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            for kind, body in [("response", {"predictions": [0.1]}), ("response", {"predictions": [0.2]}),
                               ("request", {"instances": [{"x": 1.0}]})]:
                assert (await c.post("/", headers=_headers(kind), content=json.dumps(body))).status_code == 200
        await sink.flush()  # within join_ttl: all three copied into the new segment
        await sink.abandon()  # the pod is killed: nothing more is written
        again = Sink(str(tmp_path / "root"), wal, flush_rows=10**9, flush_seconds=10**6)
        await again.start()  # replays the segment
        await again.stop()
    asyncio.run(scenario())
    rows = parquet_rows(tmp_path / "root")
    assert len(rows) == 3 and not (rows.has_request & rows.has_response).any(), rows


def test_an_ambiguous_id_leaves_whole_once_its_first_event_is_due(tmp_path):
    """Each waiting event left after its own ``join_ttl``: of an ambiguous id (two requests) the
    older request left, the younger was copied into the new segment alone, and after a restart it
    paired with the next response of the id, which may answer the other call. Now the events of an
    ambiguous id leave together once the first is due (none of them would pair anyway)."""
    async def scenario():
        wal = str(tmp_path / "wal")
        sink = Sink(str(tmp_path / "root"), wal, flush_rows=10**9, flush_seconds=10**6, join_ttl_seconds=2.0)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            await c.post("/", headers=_headers("request"), content=json.dumps({"instances": [{"x": 1.0}]}))
            await asyncio.sleep(1.0)
            await c.post("/", headers=_headers("request"), content=json.dumps({"instances": [{"x": 2.0}]}))
            await asyncio.sleep(1.2)  # the first request is due, the second not (unless the machine stalls)
            await sink.flush()
        await sink.abandon()
        again = Sink(str(tmp_path / "root"), wal, flush_rows=10**9, flush_seconds=10**6)
        await again.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(again)), base_url="http://s") as c:
            await c.post("/", headers=_headers("response"), content=json.dumps({"predictions": [0.1]}))
        await again.stop()
    asyncio.run(scenario())
    rows = parquet_rows(tmp_path / "root")
    assert len(rows) == 3 and not (rows.has_request & rows.has_response).any(), rows
