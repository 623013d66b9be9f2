"""TensorFlow Serving's columnar format (tensorflow/serving ``tensorflow_serving/g3doc/api_rest.md``,
"Specifying input tensors in column format"): the named inputs "can have arbitrary shape and need
not share the same 0-th dimension (aka batch size)", and a response is ``{"outputs": <value>|<(nested)
list>|<object>}``. The sink refused with a 400 (KServe's agent does not retry: v0.20.0
``pkg/logger/worker.go``) a request whose named inputs differ in their 0-th dimension or hold a
scalar (``{"inputs": {"x": [1, 2], "temp": 0.5}}``), an ``outputs`` object of the same kind and a
scalar ``{"outputs": 0.7}``: the events were lost. Such a body is now one row, each named tensor a
column holding its whole value (a nested one as JSON text); a pair whose columnar request and
response do not have as many rows is one row too (the inputs whole, the outputs whole as one
prediction) rather than a response set aside. Columnar tensors that do share a 0-th dimension are
still rows along it (the batch dimension, as TF Serving's row format assumes)."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from ctloop.inference_log.events import join, parse_event
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.support import parquet_rows

IDENTITY = {"request_id", "model", "namespace", "revision", "model_version", "component", "time", "has_request",
            "has_response", "instance", "_whole"}  # _whole: a half's columnar side (round 40)


def _headers(cid: str, kind: str) -> dict[str, str]:
    return {"ce-id": cid, "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "flowers", "ce-namespace": "ns",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}", "ce-time": "2026-12-05T10:31:02Z"}


def _rows(request, response) -> list[dict]:
    rq = parse_event(_headers("c", "request"), json.dumps(request).encode()) if request is not None else None
    rs = parse_event(_headers("c", "response"), json.dumps(response).encode()) if response is not None else None
    return [{k: v for k, v in r.items() if k not in IDENTITY} for r in join(rq, rs)]


SCORES = {"scores": [[0.1, 0.9], [0.8, 0.2]], "classes": [[1], [0]], "version": [3]}


@pytest.mark.parametrize(("request_body", "response_body", "rows"), [
    # named inputs of different 0-th dimensions: one row, each input whole
    ({"inputs": {"ids": [[1, 2, 3]], "vocab": ["a", "b", "c", "d"]}}, {"outputs": [[0.1, 0.9]]},
     [{"ids": [[1, 2, 3]], "vocab": ["a", "b", "c", "d"], "prediction_0": 0.1, "prediction_1": 0.9}]),
    # a scalar among the named inputs; its batched answer is the pair's one prediction
    ({"inputs": {"x": [1.0, 2.0], "temp": 0.5}}, {"outputs": [1, 2]},
     [{"x": [1.0, 2.0], "temp": 0.5, "prediction": [1, 2]}]),
    # outputs of different 0-th dimensions for a batch of two: the pair is one row
    ({"inputs": [[1, 2], [3, 4]]}, {"outputs": SCORES},
     [{"f0": [[1, 2], [3, 4]], "prediction_scores": SCORES["scores"], "prediction_classes": [[1], [0]],
       "prediction_version": [3]}]),
    # a scalar output
    ({"inputs": [[1.0, 2.0]]}, {"outputs": 0.7}, [{"f0": 1.0, "f1": 2.0, "prediction": 0.7}]),
    # an unbatched sequence model: 3 tokens in, one answer: one row
    ({"inputs": {"ids": [5, 6, 7], "mask": [1, 1, 0]}}, {"outputs": {"logit": [0.3], "cls": [1]}},
     [{"ids": [5, 6, 7], "mask": [1, 1, 0], "prediction_logit": [0.3], "prediction_cls": [1]}]),
    # a common 0-th dimension is still the batch (as before)
    ({"inputs": {"tag": ["a", "b"], "x": [1, 2]}}, {"outputs": {"label": [1, 0]}},
     [{"tag": "a", "x": 1, "prediction_label": 1}, {"tag": "b", "x": 2, "prediction_label": 0}]),
])
def test_legal_columnar_bodies_are_rows(request_body, response_body, rows):
    assert _rows(request_body, response_body) == rows


def test_either_event_alone_is_a_row():
    assert _rows({"inputs": {"x": [1.0, 2.0], "temp": 0.5}}, None) == [{"x": [1.0, 2.0], "temp": 0.5}]
    assert _rows({"inputs": "a sentence"}, None) == [{"f0": "a sentence"}]
    assert _rows(None, {"outputs": SCORES}) == [{f"prediction_{k}": v for k, v in SCORES.items()}]
    assert _rows(None, {"outputs": True}) == [{"prediction": True}]


def test_the_sink_takes_and_writes_them(tmp_path):
    proc, url = start_sink(tmp_path, flush_seconds=0.2)
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            for cid, request, response in (("p1", {"inputs": {"x": [1.0, 2.0], "temp": 0.5}}, {"outputs": [1, 2]}),
                                           ("p2", {"inputs": [[1.0, 2.0]]}, {"outputs": 0.7})):
                for kind, body in (("request", request), ("response", response)):
                    answer = client.post("/", headers=_headers(cid, kind), content=json.dumps(body).encode())
                    assert answer.status_code == 200, answer.text
            for _ in range(100):
                rows = parquet_rows(tmp_path / "root")
                if len(rows) == 2:
                    break
                time.sleep(0.1)
    finally:
        stop_group(proc)
    rows = rows.set_index("request_id")
    assert json.loads(rows.loc["p1", "x"]) == [1.0, 2.0] and rows.loc["p1", "temp"] == 0.5
    # round 41: typed as the halves type them (two replicas: the response's rows, numbers), so the
    # whole list [1, 2] is set aside and p2's 0.7 is a number (before: the column typed string by it)
    assert json.loads(rows.loc["p1", "_mistyped"]) == {"prediction": [1, 2]} and rows["has_response"].all()
    assert rows.loc["p2", "prediction"] == 0.7
    assert not list((tmp_path / "root").glob("_quarantine/**/*.jsonl"))
