"""A v2 tensor of rank 3 or more (an image model's input, shape [N, 28, 28]) is stored, not refused
(round 42, item 1).

KServe's payload logger never retries (v0.20.0 ``pkg/logger/worker.go``: ``sendCloudEvent`` logs a
non-2xx answer and moves on), so the 400 the sink gave such a request lost the event. Now the
tensor's first dimension is the batch (as for [N, k]) and the rest of each row is flattened
row-major into ``<name>_0`` … ``<name>_{k-1}`` (k the product of the other dimensions), from flat
or nested data alike.
"""

from __future__ import annotations

import json

import httpx
import pandas as pd
import pytest

from ctloop.inference_log.events import PayloadError, request_rows, response_rows
from ctloop.inference_log.reader import read_log
from tests.fixtures.servers import start_sink, stop_group

FLAT = {"name": "x", "shape": [2, 2, 3], "datatype": "FP32", "data": list(range(12))}
NESTED = {"name": "x", "shape": [2, 2, 3], "datatype": "FP32",
          "data": [[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10, 11]]]}


ROWS = {**FLAT, "data": [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]}  # N rows of k, as [N, k] nests


@pytest.mark.parametrize("tensor", [FLAT, NESTED, ROWS], ids=["flat", "nested", "rows"])
def test_rank3_rows_are_flattened_row_major(tensor):
    rows = request_rows({"inputs": [tensor]})
    assert rows == [{f"x_{j}": j for j in range(6)}, {f"x_{j}": 6 + j for j in range(6)}]


def test_rank4_output_is_one_row_per_batch_entry():
    out = {"name": "p", "shape": [1, 1, 2, 2], "datatype": "FP32", "data": [[[[0.1, 0.2], [0.3, 0.4]]]]}
    assert response_rows({"outputs": [out]}) == [{"prediction_p_0": 0.1, "prediction_p_1": 0.2,
                                                  "prediction_p_2": 0.3, "prediction_p_3": 0.4}]


@pytest.mark.parametrize("data", [list(range(11)), [[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10]]]],
                         ids=["flat-short", "nested-ragged"])
def test_rank3_data_that_does_not_fit_its_shape_is_still_a_400(data):
    with pytest.raises(PayloadError, match="shape"):
        request_rows({"inputs": [{**FLAT, "data": data}]})


def _event(kind: str, body: dict) -> tuple[dict, bytes]:
    # binary mode as KServe's agent sends it (v0.20.0 pkg/logger/worker.go: every extension set)
    headers = {"ce-id": "img-1", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
               "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "mnist", "ce-namespace": "ns",
               "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
               "ce-time": f"2026-11-22T10:31:0{2 if kind == 'request' else 3}.417Z",
               "content-type": "application/json"}
    return headers, json.dumps(body).encode()


def test_an_image_request_is_acknowledged_and_stored(tmp_path):
    image = {"name": "image", "shape": [1, 28, 28], "datatype": "FP32",
             "data": [[[(r * 28 + c) / 784 for c in range(28)] for r in range(28)]]}
    answer = {"name": "digit", "shape": [1], "datatype": "INT64", "data": [7]}
    proc, url = start_sink(tmp_path / "work", tmp_path / "log")
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            for headers, body in (_event("request", {"inputs": [image]}), _event("response", {"outputs": [answer]})):
                reply = client.post("/", headers=headers, content=body)
                assert reply.status_code == 200, reply.text  # was 400: only [N] and [N, k] tensors
    finally:
        stop_group(proc)
    end = pd.Timestamp("2026-11-22T11:00:00Z")
    frame = read_log(str(tmp_path / "log"), "mnist", end - pd.Timedelta("1h"), end)
    assert len(frame) == 1 and frame["prediction_digit"].tolist() == [7]
    assert frame["image_0"].tolist() == [0.0] and frame["image_783"].tolist() == [783 / 784]
    assert frame["image_29"].tolist() == [29 / 784]  # row 1, column 1: row-major
