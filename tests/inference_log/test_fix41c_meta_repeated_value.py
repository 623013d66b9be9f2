"""The same business key sent under two headers of one ``meta_`` column stays one key (fix round 41c,
review finding 6).

KServe's agent (v0.20.0 ``pkg/logger/handler.go``) copies each request header listed in
``logger.metadataHeaders`` into ``ce-metadata`` as ``{name: [values]}`` (``worker.go`` encodes it
with ``json.Marshal``). A client sending ``X-Order-Id: 42`` and ``X_Order_Id: 42`` (one column,
``meta_x_order_id``) got ``"42,42"`` since round 41 (``"42"`` before): ``ctloop labels ingest --key
meta_x_order_id`` matches the key exactly, so the row found no label. Now a value an earlier header of
the column gave is not repeated; distinct values are still all kept, in order of first appearance.
"""

from __future__ import annotations

import asyncio
import json

import httpx

from ctloop.inference_log.app import create_app
from ctloop.inference_log.events import metadata_columns
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import parquet_rows


def test_the_same_value_under_both_headers_is_kept_once():
    assert metadata_columns(json.dumps({"X-Order-Id": ["42"], "X_Order_Id": ["42"]})) == {"meta_x_order_id": "42"}


def test_distinct_values_are_all_kept_in_order_of_first_appearance():
    value = json.dumps({"X-Order-Id": ["A-17", "B-9"], "X_Order_Id": ["B-9", "C-3", "A-17"]})
    assert metadata_columns(value) == {"meta_x_order_id": "A-17,B-9,C-3"}


def test_through_the_sink_the_row_carries_the_exact_key(tmp_path):
    headers = {"ce-id": "c1", "ce-type": "org.kubeflow.serving.inference.request", "ce-specversion": "1.0",
               "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
               "ce-namespace": "ns", "ce-component": "predictor", "ce-endpoint": "",
               "ce-metadata": json.dumps({"X-Order-Id": ["42"], "X_Order_Id": ["42"]}),
               "ce-time": "2026-11-22T10:31:02.417Z", "content-type": "application/json"}

    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            answer = await c.post("/", headers=headers, content=json.dumps({"instances": [{"x": 1.0}]}))
            assert answer.status_code == 200, answer.text
        await sink.flush(final=True)
        await sink.stop()

    asyncio.run(scenario())
    assert parquet_rows(tmp_path / "root").meta_x_order_id.tolist() == ["42"]
