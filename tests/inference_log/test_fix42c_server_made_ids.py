"""A v2 server that makes up its own response ``id`` (KServe's custom-model example,
``python/custom_model/model.py`` at v0.20.0: ``response_id = generate_uuid()``) still has its one
request and one response under a unique ``Ce-Id`` written as one row, in either order (review 42 C,
item 1): a lone request and a lone response whose body ids differ wait for the partners of their own
ids (two calls sharing a ``Ce-Id`` interleaving, ``test_r42_infolog_interleaved_ids.py``), and when
none came by ``join_ttl`` (or the final flush) they are each other's pair, not two half rows.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from ctloop.inference_log.app import create_app
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import parquet_rows


def _headers(kind: str, second: int) -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {"ce-id": "unique-ce-id", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
            "ce-namespace": "ns", "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": f"2026-11-22T10:31:0{second}Z", "content-type": "application/json"}


REQUEST = {"id": "client-1", "inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [1.0]}]}
RESPONSE = {"id": "9f1c2b7e-0000-4000-8000-000000000001", "model_name": "credit-default",
            "outputs": [{"name": "p", "shape": [1], "datatype": "FP64", "data": [0.9]}]}


@pytest.mark.parametrize("final", [True, False], ids=["final-flush", "after-ttl"])
@pytest.mark.parametrize("order", ["request-first", "response-first"])
def test_a_lone_pair_with_different_body_ids_is_one_row(tmp_path, order, final):
    events = [("request", REQUEST), ("response", RESPONSE)]
    if order == "response-first":
        events.reverse()

    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6,
                    join_ttl_seconds=0.0 if not final else 30.0)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            for second, (kind, body) in enumerate(events):
                reply = await c.post("/", headers=_headers(kind, second), content=json.dumps(body))
                assert reply.status_code == 200
            await sink.flush(final=final)
            if not final:
                await sink.flush(final=True)
        await sink.stop()

    asyncio.run(scenario())
    rows = parquet_rows(tmp_path / "root")
    assert len(rows) == 1  # was 2 half rows
    row = rows.iloc[0]
    assert (row["x"], row["prediction_p"], bool(row["has_request"]), bool(row["has_response"])) == (1.0, 0.9, True, True)
    assert row["meta_inference_id"] == "client-1"
