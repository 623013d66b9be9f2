"""Two v2 tensors whose columns share a name (``a`` of shape [N, 2] becomes ``a_0`` and ``a_1``;
a second tensor named ``a_1`` becomes ``a_1`` too) cannot both be stored: the second's values
replaced the first's silently. Both are kept: the tensor called ``a_1`` keeps its name and ``a``'s
column is stored as ``a[1]`` (a 400 lost the inference: KServe's agent does not retry)."""

from __future__ import annotations

import json

import pytest

from ctloop.inference_log.events import join, parse_event

HEADERS = {"ce-id": "t1", "ce-type": "org.kubeflow.serving.inference.request", "ce-specversion": "1.0",
           "ce-source": "src", "ce-inferenceservicename": "credit", "ce-time": "2026-11-22T10:31:02Z"}


def _tensor(name, shape, data):
    return {"name": name, "shape": shape, "datatype": "FP32", "data": data}


@pytest.mark.parametrize(("kind", "key", "tensors", "kept"), [
    ("request", "inputs", [_tensor("a", [1, 2], [1, 2]), _tensor("a_1", [1], [9])], {"a_0": 1, "a[1]": 2, "a_1": 9}),
    ("request", "inputs", [_tensor("a_0", [1], [9]), _tensor("a", [1, 2], [1, 2])], {"a[0]": 1, "a_1": 2, "a_0": 9}),
    ("response", "outputs", [_tensor("p", [1, 2], [0.2, 0.8]), _tensor("p_0", [1], [1])],
     {"prediction_p[0]": 0.2, "prediction_p_1": 0.8, "prediction_p_0": 1}),
])
def test_tensors_whose_columns_collide_are_both_kept(kind, key, tensors, kept):
    headers = {**HEADERS, "ce-type": f"org.kubeflow.serving.inference.{kind}"}
    event = parse_event(headers, json.dumps({key: tensors}).encode())
    row = join(event, None)[0] if kind == "request" else join(None, event)[0]
    assert {k: row[k] for k in kept} == kept


def test_distinct_columns_are_fine():
    event = parse_event(dict(HEADERS), json.dumps({"inputs": [_tensor("a", [1, 2], [1, 2]),
                                                              _tensor("a_2", [1], [9])]}).encode())
    assert len(event.body["inputs"]) == 2
