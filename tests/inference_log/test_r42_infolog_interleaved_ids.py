"""Two v2 calls sharing a ``Ce-Id`` whose events interleave (request A, response B, request B,
response A) are paired by the body's own ``id`` when both sides carry one (round 42, item 6).

KServe v0.20.0's agent queues the request event before calling the model and the response after,
and a pool of workers sends them (``pkg/logger/handler.go``, ``worker.go``): two calls reusing one
``Ce-Id`` arrive in any order, and each response met one request alone and was paired with it —
call A's features with call B's prediction. The Open Inference Protocol says the response returns
the request's ``id`` ("Optional, but if specified this identifier must be returned in the
response", kserve ``docs/predict-api/v2/required_api.md``; KServe's server answers ``payload.id``,
``python/kserve/kserve/utils/utils.py`` at v0.20.0), so two sides with different ids are never a
pair: a response waits for the request of its id.
"""

from __future__ import annotations

import asyncio
import json

import httpx

from ctloop.inference_log.app import create_app
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import parquet_rows


def _headers(kind: str, second: int) -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {"ce-id": "same-id", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
            "ce-namespace": "ns", "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": f"2026-11-22T10:31:0{second}Z", "content-type": "application/json"}


def _request(call: str, x: float) -> dict:
    return {"id": call, "inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [x]}]}


def _response(call: str, p: float) -> dict:
    return {"id": call, "model_name": "credit-default",
            "outputs": [{"name": "p", "shape": [1], "datatype": "FP64", "data": [p]}]}


def _run(tmp_path, events):
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            for second, (kind, body) in enumerate(events):
                reply = await c.post("/", headers=_headers(kind, second), content=json.dumps(body))
                assert reply.status_code == 200
            await sink.flush(final=True)
        await sink.stop()

    asyncio.run(scenario())
    rows = parquet_rows(tmp_path / "root")
    return sorted(zip(rows["meta_inference_id"], rows["x"], rows["prediction_p"], rows["has_response"],
                      strict=True))


def test_interleaved_calls_are_paired_by_their_body_ids(tmp_path):
    rows = _run(tmp_path, [("request", _request("A", 1.0)), ("response", _response("B", 0.2)),
                           ("request", _request("B", 2.0)), ("response", _response("A", 0.1))])
    assert rows == [("A", 1.0, 0.1, True), ("B", 2.0, 0.2, True)]  # was A with 0.2, B with 0.1


def test_calls_in_order_pair_as_before(tmp_path):
    rows = _run(tmp_path, [("request", _request("A", 1.0)), ("response", _response("A", 0.1)),
                           ("request", _request("B", 2.0)), ("response", _response("B", 0.2))])
    assert rows == [("A", 1.0, 0.1, True), ("B", 2.0, 0.2, True)]
