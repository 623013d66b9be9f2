"""Two calls that differ only in an attribute are two calls, not copies (fix round 41c, review finding 2).

The sink took two events of one ``ce-id`` for WAL copies of one event when their time and body
matched, whatever their other attributes: two calls with the same ``Ce-Id`` header (KServe v0.20.0
``pkg/logger/handler.go`` ``getOrCreateID`` keeps the client's), the same body and the same
``ce-time`` (a client sending its own, second-precision time) but different ``ce-metadata`` (order A
and order B) were paired last-in-first-out: order B got order A's prediction, and the id was not
counted as ambiguous. Now a copy must match in every attribute and in its body as written
(``sink._same_event``); anything less makes the id ambiguous: half rows, nothing cross-paired.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from ctloop.inference_log.app import create_app
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import parquet_rows

T = "2026-12-05T16:00:00Z"


def _headers(kind: str, **extra: str) -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {"ce-id": "retry-7", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
            "ce-namespace": "ns", "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": T, "content-type": "application/json", **extra}


def _run(tmp_path, events):
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            for headers, body in events:
                assert (await c.post("/", headers=headers, content=json.dumps(body))).status_code == 200
            await sink.flush(final=True)
            metrics = (await c.get("/metrics")).text
        await sink.stop()
        return metrics

    metrics = asyncio.run(scenario())
    return parquet_rows(tmp_path / "root"), metrics


def _meta(order: str) -> dict[str, str]:
    return {"ce-metadata": json.dumps({"X-Order-Id": [order]})}


@pytest.mark.parametrize("a, b", [
    (_meta("order-A"), _meta("order-B")),
    ({"ce-source": "credit-default-predictor-00001-deployment-5d8c9f7b4-x2x7q"},
     {"ce-source": "credit-default-predictor-00001-deployment-5d8c9f7b4-q9z2k"}),
    ({"ce-annotations": json.dumps({"ctloop.dev/model-version": "3"})},
     {"ce-annotations": json.dumps({"ctloop.dev/model-version": "4"})}),
], ids=["metadata", "source", "model-version"])
def test_two_calls_alike_but_for_one_attribute_are_not_cross_paired(tmp_path, a, b):
    body = {"instances": [{"x": 1.0}]}
    rows, metrics = _run(tmp_path, [(_headers("request", **a), body), (_headers("request", **b), body),
                                    (_headers("response", **a), {"predictions": [0.1]}),
                                    (_headers("response", **b), {"predictions": [0.9]})])
    # before: paired LIFO, call B's request with call A's prediction (and the reverse)
    assert not (rows.has_request & rows.has_response).any(), rows
    assert len(rows) == 4
    assert "ctloop_log_ambiguous_ids_total 0" not in metrics


def test_bodies_equal_in_python_but_written_differently_are_two_calls(tmp_path):
    # 1 == 1.0 in Python; as written they are two bodies
    rows, _ = _run(tmp_path, [(_headers("request"), {"instances": [{"x": 1}]}),
                              (_headers("request"), {"instances": [{"x": 1.0}]}),
                              (_headers("response"), {"predictions": [0.1]})])
    assert not (rows.has_request & rows.has_response).any(), rows
    assert len(rows) == 3
