"""A v2 server that makes up its own response ``id`` (KServe's custom-model example,
``python/custom_model/model.py`` at v0.20.0: ``response_id = generate_uuid()``) has its one call
under a unique ``Ce-Id`` read as one served row, in either order (review 42 C item 1, review 42 H1
item 1): the sink writes the request and the response as two half rows (it never pairs events
whose body ids differ: ``test_fix42h1_failed_call_retry.py``), and ``read_log``, the bounded-memory
scan and a monitoring window stitch them, as the id's only request and response.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pandas as pd
import pytest

from ctloop.inference_log.app import create_app
from ctloop.inference_log.reader import read_log
from ctloop.inference_log.scan import scan_window
from ctloop.inference_log.sink import Sink
from ctloop.monitoring.window import WindowSpec, collect
from tests.inference_log.support import parquet_rows

START, END = pd.Timestamp("2026-11-22T00:00:00Z"), pd.Timestamp("2026-11-23T00:00:00Z")


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
def test_a_call_with_a_server_made_response_id_reads_as_one_served_row(tmp_path, order, final):
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
    assert len(parquet_rows(tmp_path / "root")) == 2  # the sink's two halves, as written
    root = str(tmp_path / "root")
    for rows in (read_log(root, "credit-default", START, END),
                 pd.concat(list(scan_window(root, "credit-default", START, END, progress=False)))):
        assert len(rows) == 1
        row = rows.iloc[0]
        assert (row["x"], row["prediction_p"], bool(row["has_request"]), bool(row["has_response"])) == (1.0, 0.9, True, True)
    state = collect(root, "credit-default", WindowSpec(START, END, START, START, None, ("x",)), progress=False)
    assert {k: state.counts[k] for k in ("rows", "served", "requested")} == {"rows": 1, "served": 1, "requested": 1}
