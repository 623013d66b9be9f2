"""Halves of an unbatched v2 sequence stitched at ``--max-columns`` keep every token of an input
kept in ``_overflow``, as one replica's join does (round 42, item 3).

One replica joins a request of 1-D tensors answered by one row into one row, each input whole
(``events.join``); an input that finds the model's columns full is kept whole in ``_overflow``
(``{"attention_mask": [1, 1, 0]}``). Two replicas write the request as one row per token, each
with its own token in ``_overflow``; ``reader._whole_pairs`` rebuilt the row from the request
half's rows but took ``_overflow`` from its instance 0 only (``{"attention_mask": 1}``): the
other tokens were lost. The request/response shapes are KServe v0.20.0's Open Inference Protocol
(``docs/predict-api/v2/required_api.md``: tensors with name, shape, datatype, data).
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pandas as pd

from ctloop.inference_log.app import create_app
from ctloop.inference_log.reader import read_log
from ctloop.inference_log.sink import Sink

REQUEST = {"inputs": [{"name": "input_ids", "shape": [3], "datatype": "INT64", "data": [101, 2023, 102]},
                      {"name": "attention_mask", "shape": [3], "datatype": "INT64", "data": [1, 1, 0]}]}
RESPONSE = {"outputs": [{"name": "label", "shape": [1], "datatype": "INT64", "data": [1]}]}


def _headers(kind: str) -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {"ce-id": "seq-1", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "bert", "ce-namespace": "ns",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": f"2026-11-22T10:31:0{2 if kind == 'request' else 3}Z", "content-type": "application/json"}


def _replica(root, wal, *events) -> None:
    async def scenario():
        sink = Sink(str(root), str(wal), flush_rows=10**9, flush_seconds=10**6, max_columns=1)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            for kind, body in events:
                assert (await c.post("/", headers=_headers(kind), content=json.dumps(body))).status_code == 200
            await sink.flush(final=True)
        await sink.stop()

    asyncio.run(scenario())


def _read(root) -> list[dict]:
    end = pd.Timestamp("2026-11-22T11:00:00Z")
    return read_log(str(root), "bert", end - pd.Timedelta("1h"), end).to_dict("records")


def test_halves_keep_every_overflowed_token(tmp_path):
    _replica(tmp_path / "one", tmp_path / "w1", ("request", REQUEST), ("response", RESPONSE))
    _replica(tmp_path / "two", tmp_path / "wa", ("request", REQUEST))
    _replica(tmp_path / "two", tmp_path / "wb", ("response", RESPONSE))
    (joined,), (merged,) = _read(tmp_path / "one"), _read(tmp_path / "two")
    assert json.loads(joined["_overflow"]) == {"attention_mask": [1, 1, 0]}
    assert json.loads(merged["_overflow"]) == {"attention_mask": [1, 1, 0]}  # was {"attention_mask": 1}
    assert merged["has_request"] and merged["has_response"] and merged["prediction_label"] == 1
