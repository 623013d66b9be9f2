"""TensorFlow Serving (KServe's ``kserve-tensorflow-serving`` runtime) answers a columnar request
``{"inputs": [[...]]}`` with ``{"outputs": [...]}``: "If the output of the model contains only one
named tensor, we omit the name and `outputs` key maps to a list of scalar or list values"
(tensorflow/serving ``tensorflow_serving/g3doc/api_rest.md``, "Response format"). The sink took the
request (as instances) but refused the response with a 400 (v2 tensors expected); KServe's agent
(v0.20.0 ``pkg/logger/worker.go``: a non-200 answer is logged, never retried) does not retry, so the
prediction was lost and the row written without it. With several named inputs or outputs TF Serving
writes an object ``{name: tensor}`` ("Specifying input tensors in column format"): request and
response were both refused. Such bodies are now rows along the 0-th dimension the tensors share."""

from __future__ import annotations

import json
import time

import httpx

from ctloop.inference_log.events import join, parse_event
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.support import parquet_rows


def _headers(cid: str, kind: str) -> dict[str, str]:
    return {"ce-id": cid, "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "flowers", "ce-namespace": "ns",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}", "ce-time": "2026-12-05T10:31:02Z"}


def test_a_tf_serving_columnar_response_is_the_requests_predictions():
    request = parse_event(_headers("t1", "request"), b'{"inputs": [[1.0, 2.0], [3.0, 4.0]]}')
    response = parse_event(_headers("t1", "response"), b'{"outputs": [[0.1, 0.9], [0.8, 0.2]]}')
    rows = join(request, response)
    assert [(r["f0"], r["prediction_0"], r["prediction_1"]) for r in rows] == [(1.0, 0.1, 0.9), (3.0, 0.8, 0.2)]
    scalar = parse_event(_headers("t2", "response"), b'{"outputs": [3.5, 4.0]}')
    assert [r["prediction"] for r in join(request, scalar)] == [3.5, 4.0]


def test_the_sink_writes_it_with_its_request(tmp_path):
    proc, url = start_sink(tmp_path, flush_seconds=0.2)
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            for kind, body in (("request", {"inputs": [[1.0, 2.0]]}), ("response", {"outputs": [[0.3, 0.7]]})):
                answer = client.post("/", headers=_headers("t1", kind), content=json.dumps(body).encode())
                assert answer.status_code == 200, answer.text
            for _ in range(100):
                rows = parquet_rows(tmp_path / "root")
                if len(rows):
                    break
                time.sleep(0.1)
    finally:
        stop_group(proc)
    assert rows[["f0", "f1", "prediction_0", "prediction_1"]].values.tolist() == [[1.0, 2.0, 0.3, 0.7]]
    assert rows["has_response"].tolist() == [True]


def test_tf_serving_named_columns_are_rows_along_their_shared_first_dimension():
    request = parse_event(_headers("t3", "request"), b'{"inputs": {"tag": ["a", "b"], "signal": [[1, 2], [3, 4]]}}')
    response = parse_event(_headers("t3", "response"), b'{"outputs": {"label": [1, 0], "probs": [[0.2, 0.8], [0.9, 0.1]]}}')
    rows = join(request, response)
    assert [(r["tag"], r["signal"], r["prediction_label"], r["prediction_probs"]) for r in rows] == [
        ("a", [1, 2], 1, [0.2, 0.8]), ("b", [3, 4], 0, [0.9, 0.1])]
