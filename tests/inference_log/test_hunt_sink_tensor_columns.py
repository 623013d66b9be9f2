"""Two v2 tensors whose columns share a name (``a`` of shape [N, 2] becomes ``a_0`` and ``a_1``;
a second tensor named ``a_1`` becomes ``a_1`` too) cannot both be stored: the second's values
replaced the first's silently. Refused like two tensors of one name (400 naming both)."""

from __future__ import annotations

import json

import pytest

from ctloop.inference_log.events import RejectedEvent, parse_event

HEADERS = {"ce-id": "t1", "ce-type": "org.kubeflow.serving.inference.request", "ce-specversion": "1.0",
           "ce-source": "src", "ce-inferenceservicename": "credit", "ce-time": "2026-11-22T10:31:02Z"}


def _tensor(name, shape, data):
    return {"name": name, "shape": shape, "datatype": "FP32", "data": data}


@pytest.mark.parametrize(("kind", "key", "tensors"), [
    ("request", "inputs", [_tensor("a", [1, 2], [1, 2]), _tensor("a_1", [1], [9])]),
    ("request", "inputs", [_tensor("a_0", [1], [9]), _tensor("a", [1, 2], [1, 2])]),
    ("response", "outputs", [_tensor("p", [1, 2], [0.2, 0.8]), _tensor("p_0", [1], [1])]),
])
def test_tensors_whose_columns_collide_are_refused(kind, key, tensors):
    headers = {**HEADERS, "ce-type": f"org.kubeflow.serving.inference.{kind}"}
    with pytest.raises(RejectedEvent) as info:
        parse_event(headers, json.dumps({key: tensors}).encode())
    assert info.value.status == 400 and info.value.code == "bad_payload"
    assert "column" in info.value.reason


def test_distinct_columns_are_fine():
    event = parse_event(dict(HEADERS), json.dumps({"inputs": [_tensor("a", [1, 2], [1, 2]),
                                                              _tensor("a_2", [1], [9])]}).encode())
    assert len(event.body["inputs"]) == 2
