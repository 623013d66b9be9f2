"""A v2 tensor of rank 0 (``"shape": []``, one value) is one row, not a 500 (round 45).

KServe v0.20.0's v2 path answers a model whose ``predict`` returns a 0-d array (``return
self.model.predict(x).squeeze()`` for a one-row request) with
``{"name": "output-0", "shape": [], "datatype": "FP64", "data": [0.7]}``
(``python/kserve/kserve/utils/utils.py`` ``get_predict_response``: ``shape=list(result.shape)``,
the data flattened), which the Open Inference Protocol allows (a shape of no dimension holds one
value). (A numpy scalar, ``np.float64`` from ``predict(x)[0]``, never gets here:
``python/kserve/kserve/protocol/infer_type.py`` ``InferOutput.set_data_from_numpy`` raises
``input_tensor must be a numpy array``, a 500 with nothing logged.) The sink's shape check read
``shape[0]`` of it: ``IndexError``, an unhandled 500, and the agent never retries
(``pkg/logger/worker.go``), so the call's response was lost and its request counted unanswered.
A scalar input was lost the same way. Now such a tensor is one row of one value, as ``[1]`` is;
data of another length is a 400 naming the tensor.
"""

from __future__ import annotations

import json

import pytest

from ctloop.inference_log.events import RejectedEvent, join, parse_event

HEADERS = {  # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    "ce-id": "call-1",
    "ce-specversion": "1.0",
    "ce-source": "http://localhost:9081/",
    "ce-inferenceservicename": "credit-default",
    "ce-namespace": "ns",
    "ce-component": "predictor",
    "ce-endpoint": "",
    "ce-metadata": "{}",
    "ce-time": "2026-11-22T10:31:02.417Z",
    "content-type": "application/json",
}
REQUEST = {
    "id": "r1",
    "inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [[0.5, 3.0]]}],
}
# what KServe v0.20.0 answers for a predict() returning np.array([0.7]).squeeze() (a 0-d array)
SCALAR_ANSWER = {
    "model_name": "credit-default",
    "model_version": None,
    "id": "r1",
    "parameters": None,
    "outputs": [
        {"name": "output-0", "shape": [], "datatype": "FP64", "parameters": None, "data": [0.7]}
    ],
}


def _event(kind: str, body: dict):
    return parse_event(
        {**HEADERS, "ce-type": f"org.kubeflow.serving.inference.{kind}"}, json.dumps(body).encode()
    )


def test_a_scalar_output_answers_a_one_row_request():
    (row,) = join(_event("request", REQUEST), _event("response", SCALAR_ANSWER))
    assert (row["x_0"], row["x_1"], row["prediction_output-0"]) == (0.5, 3.0, 0.7)
    assert row["has_request"] and row["has_response"]


def test_a_scalar_input_is_one_row():
    body = {"inputs": [{"name": "age", "shape": [], "datatype": "INT64", "data": [42]}]}
    answer = {"outputs": [{"name": "p", "shape": [1], "datatype": "FP32", "data": [0.1]}]}
    (row,) = join(_event("request", body), _event("response", answer))
    assert (row["age"], row["prediction_p"]) == (42, 0.1)


def test_a_scalar_response_half_alone_is_one_row():
    (row,) = join(None, _event("response", SCALAR_ANSWER))
    assert row["prediction_output-0"] == 0.7 and not row["has_request"]


@pytest.mark.parametrize("data", [[], [0.7, 0.8], [[0.7]]], ids=["empty", "two-values", "nested"])
def test_a_scalar_tensor_of_other_data_is_a_400_naming_it(data):
    body = {"outputs": [{"name": "output-0", "shape": [], "datatype": "FP64", "data": data}]}
    with pytest.raises(RejectedEvent, match="output-0") as err:
        _event("response", body)
    assert err.value.status == 400
