"""A failed call retried under the same ``Ce-Id`` never gives the failed call the retry's prediction
(review 42 H1 item 1). KServe's agent sends no response event for a non-200 answer
(``pkg/logger/handler.go`` at v0.20.0 logs the response only when the status is 200), so call A
leaves a lone request; the retry B's response may come first. Since fix 42 C's commit 9c02d72c the
sink paired the lone request A and the lone response B once ``join_ttl`` passed (or at the final
flush), though their v2 body ids differ: one row with A's features and B's prediction. Now the sink
never pairs events whose body ids both exist and differ, and the readers, which see B's request
too, keep A's request apart, with one sink and with two replicas.
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
from tests.inference_log.support import parquet_rows

START, END = pd.Timestamp("2026-11-22T00:00:00Z"), pd.Timestamp("2026-11-23T00:00:00Z")
REQUEST_A = {"id": "a", "inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [1.0]}]}
REQUEST_B = {"id": "b", "inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [2.0]}]}
RESPONSE_B = {"id": "b", "model_name": "m", "outputs": [{"name": "p", "shape": [1], "datatype": "FP64", "data": [0.9]}]}


def _headers(kind: str, second: int) -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {"ce-id": "order-42", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "m", "ce-namespace": "ns",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": f"2026-11-22T10:31:0{second}Z", "content-type": "application/json"}


async def _post(sink: Sink, kind: str, body: dict, second: int) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
        assert (await c.post("/", headers=_headers(kind, second), content=json.dumps(body))).status_code == 200


async def _one_sink(tmp_path, final: bool) -> None:
    # join_ttl 0: A's request (and B's response) are due at the first flush
    sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6,
                join_ttl_seconds=30.0 if final else 0.0)
    await sink.start()
    await _post(sink, "request", REQUEST_A, 1)  # call A fails: no response event
    await _post(sink, "response", RESPONSE_B, 3)  # the retry B's response arrives first
    await sink.flush(final=final)
    await _post(sink, "request", REQUEST_B, 2)
    await sink.flush(final=True)
    await sink.stop()


async def _two_replicas(tmp_path, final: bool) -> None:
    one = Sink(str(tmp_path / "root"), str(tmp_path / "wal1"), flush_rows=10**9, flush_seconds=10**6,
               join_ttl_seconds=30.0 if final else 0.0)
    two = Sink(str(tmp_path / "root"), str(tmp_path / "wal2"), flush_rows=10**9, flush_seconds=10**6)
    await one.start()
    await two.start()
    await _post(one, "request", REQUEST_A, 1)  # call A fails
    await _post(two, "request", REQUEST_B, 2)  # the retry's request reaches replica 2
    await _post(one, "response", RESPONSE_B, 3)  # its response replica 1
    await one.flush(final=final)
    await one.flush(final=True)
    await two.flush(final=True)
    await one.stop()
    await two.stop()


def _pairs(rows: pd.DataFrame) -> set[tuple[float, float]]:
    whole = rows[rows["has_request"].astype(bool) & rows["has_response"].astype(bool)]
    return set(zip(whole["x"], whole["prediction_p"], strict=True))


@pytest.mark.parametrize("final", [True, False], ids=["final-flush", "after-ttl"])
@pytest.mark.parametrize("layout", ["one-sink", "two-replicas"])
def test_a_failed_call_never_gets_its_retrys_prediction(tmp_path, layout, final):
    asyncio.run((_one_sink if layout == "one-sink" else _two_replicas)(tmp_path, final))
    root = str(tmp_path / "root")
    written = parquet_rows(tmp_path / "root")
    assert (1.0, 0.9) not in _pairs(written)  # the sink's cross row
    for rows in (read_log(root, "m", START, END), pd.concat(list(scan_window(root, "m", START, END, progress=False)))):
        assert (1.0, 0.9) not in _pairs(rows)
        a = rows[rows["x"] == 1.0]
        assert len(a) == 1 and not bool(a.iloc[0]["has_response"])  # A's request: a half, unserved
