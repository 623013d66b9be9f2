"""A window counts the rows of ``{"error": ...}`` responses as unserved and never joins their
labels (review 42 C, item 2): :func:`needed_columns` reads ``_error`` with the rest, so
:func:`reader.served` sees it (before, the projection left it out and a window counted error rows
as served and paired their labels with an empty prediction, as ``join_labels`` over ``read_log`` no
longer did).
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pandas as pd

from ctloop.inference_log.app import create_app
from ctloop.inference_log.sink import Sink
from ctloop.labels.join import label_index
from ctloop.monitoring.window import WindowSpec, collect


def _headers(kind: str, call: int) -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {"ce-id": f"call-{call}", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "m",
            "ce-namespace": "ns", "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": f"2026-11-22T10:31:0{call}Z", "content-type": "application/json"}


def test_error_rows_are_unserved_in_a_window_and_its_label_join(tmp_path):
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            for call in range(8):
                answer = {"error": "model crashed"} if call == 7 else {"predictions": [call % 2]}
                for kind, body in (("request", {"instances": [{"x": float(call)}]}), ("response", answer)):
                    reply = await c.post("/", headers=_headers(kind, call), content=json.dumps(body))
                    assert reply.status_code == 200
            await sink.flush(final=True)
        await sink.stop()

    asyncio.run(scenario())
    start, end = pd.Timestamp("2026-11-22T00:00:00Z"), pd.Timestamp("2026-11-23T00:00:00Z")
    labels = pd.DataFrame({"request_id": [f"call-{i}" for i in range(8)], "label": [1] * 8,
                           "label_time": pd.Timestamp("2026-11-23T00:00:00Z")})
    index = label_index(labels)
    state = collect(str(tmp_path / "root"), "m", WindowSpec(start, end, start, start, None, ("x",), labelled=True),
                    index, progress=False)
    assert (state.counts["rows"], state.counts["served"]) == (8, 7)  # served was 8
    result = state.join(index)
    assert len(result.frame) == 7  # was 8: call-7 paired with an empty prediction
    assert result.unserved == 1
