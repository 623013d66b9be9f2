"""A pair whose row holds its 1-D v2 inputs whole gives the same row from one sink replica as
from two (round 41, item 2).

An unbatched v2 request (1-D tensors of n tokens) answered with one row is one row, each input
whole (``events.join``; KServe v0.20.0 ``python/kserve/kserve/utils/utils.py``
``get_predict_response`` answers each input row with an output row, a sequence model answers
``[1]``). With two replicas (the request logged by one, the response by the other: KServe's agent,
``pkg/logger/worker.go``, posts each event on its own), each writes a half: the request's n rows,
one number a token, which type ``input_ids`` ``double``; the reader joins the halves and sets the
whole list aside in ``_mistyped``. With one replica the joined row came first, typed ``input_ids``
``string`` and held the list as JSON text in the column: the same traffic stored two ways, and a
later half of the model then wrote ``"101"`` text in that column. Now a joined pair registers the
types its halves would (the request's per-token rows, the response's row) before its own row is
typed: one replica and two give the same column types and the same row.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pandas as pd

from ctloop.inference_log.app import create_app
from ctloop.inference_log.reader import read_log
from ctloop.inference_log.sink import Sink

TOKENS = {"inputs": [{"name": "input_ids", "shape": [5], "datatype": "INT64", "data": [101, 7, 8, 9, 102]}]}
ANSWER = {"model_name": "m", "outputs": [{"name": "logits", "shape": [1, 2], "datatype": "FP32", "data": [0.1, 0.9]}]}


def _headers(kind: str) -> dict[str, str]:
    # binary mode as KServe's agent sends it (v0.20.0 pkg/logger/worker.go: every extension set)
    return {"ce-id": "seq-1", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "seq", "ce-namespace": "ns",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": f"2026-11-22T10:31:0{2 if kind == 'request' else 3}.417Z", "content-type": "application/json"}


def _replica(workdir, root, *events) -> None:
    async def scenario():
        sink = Sink(str(root), str(workdir / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            for kind, body in events:
                answer = await c.post("/", headers=_headers(kind), content=json.dumps(body))
                assert answer.status_code == 200, answer.text
        await sink.stop()  # SIGTERM's path: a request without its response is written as a half
    asyncio.run(scenario())


def _row(root) -> dict:
    end = pd.Timestamp("2026-11-22T11:00:00Z")
    frame = read_log(str(root), "seq", end - pd.Timedelta("1h"), end)
    assert len(frame) == 1, frame
    row = frame.iloc[0]
    aside = json.loads(row["_mistyped"]) if isinstance(row.get("_mistyped"), str) else {}
    value = row.get("input_ids")
    return {"input_ids": None if value is None or value != value else value, "aside": aside,
            "logits": (row["prediction_logits_0"], row["prediction_logits_1"]),
            "complete": bool(row["has_request"] and row["has_response"])}


def test_one_replica_stores_the_row_two_replicas_give(tmp_path):
    _replica(tmp_path / "one", tmp_path / "joined", ("request", TOKENS), ("response", ANSWER))
    _replica(tmp_path / "a", tmp_path / "halves", ("request", TOKENS))
    _replica(tmp_path / "b", tmp_path / "halves", ("response", ANSWER))
    joined, halves = _row(tmp_path / "joined"), _row(tmp_path / "halves")
    assert halves == {"input_ids": None, "aside": {"input_ids": [101, 7, 8, 9, 102]}, "logits": (0.1, 0.9),
                      "complete": True}
    assert joined == halves  # before: input_ids '[101,7,8,9,102]' in a string column, nothing set aside
    registry = json.loads((tmp_path / "joined" / "_schema" / "model=seq.json").read_text())["columns"]
    assert registry["input_ids"] == "double"


def test_a_tf_serving_columnar_pair_too(tmp_path):
    """TensorFlow Serving's columnar pair of different row counts (``tensorflow_serving/g3doc/
    api_rest.md``: named inputs "need not share the same 0-th dimension") is one row, each side whole:
    one replica typed ``prediction`` ``string`` by the whole ``[0.1, 0.9]``, two replicas ``double``
    by the response half's rows. Now both ``double``, the whole list in ``_mistyped``."""
    request, response = {"inputs": [[1, 2], [3, 4], [5, 6]]}, {"outputs": [0.1, 0.9]}
    _replica(tmp_path / "one", tmp_path / "joined", ("request", request), ("response", response))
    _replica(tmp_path / "a", tmp_path / "halves", ("request", request))
    _replica(tmp_path / "b", tmp_path / "halves", ("response", response))
    end = pd.Timestamp("2026-11-22T11:00:00Z")
    rows = []
    for root in ("joined", "halves"):
        (row,) = read_log(str(tmp_path / root), "seq", end - pd.Timedelta("1h"), end).to_dict("records")
        rows.append((json.loads(row["_mistyped"]), pd.isna(row["prediction"]), row["has_response"]))
        registry = json.loads((tmp_path / root / "_schema" / "model=seq.json").read_text())["columns"]
        assert registry["prediction"] == "double", (root, registry)
    assert rows[0] == rows[1] == ({"f0": [[1, 2], [3, 4], [5, 6]], "prediction": [0.1, 0.9]}, True, True)
