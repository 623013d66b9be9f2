"""Two calls alike in every attribute are two calls, not a replayed copy (fix round 41h2, review h2 finding 1).

KServe v0.20.0 ``pkg/logger/handler.go`` (``getOrCreateID``) keeps the client's ``Ce-Id``; another
CloudEvents producer sets its own second-precision ``ce-time``; a hedged or retried call sends the same
body. Two such requests were taken for a WAL line replayed twice: the second acknowledged request was
dropped (``ctloop_log_ambiguous_ids_total 0``) and the second prediction written without its request.
Now only a copy of the same WAL line (the id the sink gives each event when it first commits it, kept
by a flush's carry) is dropped; anything else is kept and the id marked ambiguous.
"""

from __future__ import annotations

import asyncio
import json

import httpx

from ctloop.inference_log.app import create_app
from ctloop.inference_log.events import Event, parse_event
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import parquet_rows

BODY = {"instances": [{"x": 1.0}]}


def _headers(kind: str) -> dict[str, str]:
    return {"ce-id": "retry-7", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
            "ce-namespace": "ns", "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": "2026-12-05T16:00:00Z", "content-type": "application/json"}


def _run(tmp_path, posts, wal_lines=()):
    wal = tmp_path / "wal"
    wal.mkdir()
    if wal_lines:
        (wal / "segment-00000000000000000001-aaaaaa.wal").write_bytes(b"".join(line + b"\n" for line in wal_lines))

    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(wal), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            for kind, body in posts:
                assert (await c.post("/", headers=_headers(kind), content=json.dumps(body))).status_code == 200
            await sink.flush(final=True)
            metrics = (await c.get("/metrics")).text
        await sink.stop()
        return metrics

    metrics = asyncio.run(scenario())
    return parquet_rows(tmp_path / "root"), metrics


def test_two_posted_calls_alike_are_both_kept_and_the_id_ambiguous(tmp_path):
    rows, metrics = _run(tmp_path, [("request", BODY), ("request", BODY),
                                    ("response", {"predictions": [0.1]}), ("response", {"predictions": [0.9]})])
    # before: 3 rows (one request dropped, a response-only row) and ambiguous 0
    assert sorted(zip(rows.has_request, rows.has_response, strict=True)) == [(False, True)] * 2 + [(True, False)] * 2, rows
    assert "ctloop_log_ambiguous_ids_total 1" in metrics


def _line(wal_id: str) -> bytes:
    event = parse_event(_headers("request"), json.dumps(BODY).encode())
    event.wal_id = wal_id
    return event.to_wal()


def test_two_wal_lines_alike_but_not_one_line_copied_are_both_replayed(tmp_path):
    rows, metrics = _run(tmp_path, [], wal_lines=[_line("boot-a-1"), _line("boot-a-2")])
    assert list(rows.has_request) == [True, True], rows
    assert "ctloop_log_ambiguous_ids_total 1" in metrics


def test_a_wal_line_copied_by_a_carry_is_replayed_once(tmp_path):
    rows, metrics = _run(tmp_path, [("response", {"predictions": [0.1]})], wal_lines=[_line("boot-a-1")] * 2)
    assert sorted(zip(rows.x, rows.prediction, strict=True)) == [(1.0, 0.1)], rows
    assert "ctloop_log_ambiguous_ids_total 0" in metrics


def test_an_older_wal_line_without_its_line_id_is_never_dropped(tmp_path):
    line = parse_event(_headers("request"), json.dumps(BODY).encode()).to_wal()
    assert b"wal_id" not in Event.from_json(line).to_wal() or Event.from_json(line).wal_id == ""
    rows, _ = _run(tmp_path, [], wal_lines=[line, line])
    assert list(rows.has_request) == [True, True], rows
