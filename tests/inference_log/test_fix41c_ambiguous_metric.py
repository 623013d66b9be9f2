"""``ctloop_log_ambiguous_ids_total`` counts ids, as its name says (fix round 41c, review finding 5).

It counted events: one ``ce-id`` with requests A and B and a response read 3 (4 with both
responses), its HELP said "events written unpaired" though it was counted on arrival, and copies of
a replayed WAL line added to it. Now an id counts once, when a second event of one kind arrives
under it while the first still waits (KServe v0.20.0 ``pkg/logger/handler.go`` ``getOrCreateID``:
the client's ``Ce-Id``, reused by two calls); the HELP says exactly that.
"""

from __future__ import annotations

import asyncio
import json

import httpx

from ctloop.inference_log.app import create_app
from ctloop.inference_log.sink import Sink


def _headers(kind: str, cid: str) -> dict[str, str]:
    return {"ce-id": cid, "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
            "ce-namespace": "ns", "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": "2026-11-22T10:31:02.417Z", "content-type": "application/json"}


def _metrics(tmp_path, events) -> str:
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            for kind, cid, body in events:
                assert (await c.post("/", headers=_headers(kind, cid), content=json.dumps(body))).status_code == 200
            await sink.flush(final=True)
            text = (await c.get("/metrics")).text
        await sink.stop()
        return text

    return asyncio.run(scenario())


def test_one_ambiguous_id_counts_one(tmp_path):
    text = _metrics(tmp_path, [("request", "retry-7", {"instances": [{"x": 1.0}]}),
                               ("request", "retry-7", {"instances": [{"x": 2.0}]}),
                               ("response", "retry-7", {"predictions": [0.1]}),
                               ("response", "retry-7", {"predictions": [0.2]}),
                               ("request", "retry-7", {"instances": [{"x": 3.0}]})])
    assert "\nctloop_log_ambiguous_ids_total 1\n" in text  # before: 5 (the A, B, X of the review: 3)


def test_two_ambiguous_ids_count_two(tmp_path):
    text = _metrics(tmp_path, [("request", "a", {"instances": [{"x": 1.0}]}),
                               ("request", "a", {"instances": [{"x": 2.0}]}),
                               ("response", "b", {"predictions": [0.1]}),
                               ("response", "b", {"predictions": [0.2]})])
    assert "\nctloop_log_ambiguous_ids_total 2\n" in text  # before: 4


def test_the_help_says_what_is_counted(tmp_path):
    text = _metrics(tmp_path, [])
    help_line = next(line for line in text.splitlines() if line.startswith("# HELP ctloop_log_ambiguous_ids_total"))
    assert "Ce-ids" in help_line and "Events written unpaired" not in help_line
