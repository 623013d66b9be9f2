"""A ``BYTES`` element is stored the same whether it came in a JSON body or a binary one (fix 44d2).

Fix 44d stored a UTF-8 ``BYTES`` element that starts with ``data:`` as a data URL of its bytes when
it came as binary tensor data, but a JSON body keeps its strings as they are: the image data URL
``data:image/png;base64,iVBO`` was stored as sent from a JSON client and as
``data:application/octet-stream;base64,ZGF0YTpp…`` from a binary one, so one client's values split
by wire format. UTF-8 elements are stored as their text in both formats again (the ambiguity with
a stored non-UTF-8 element is documented).
"""

from __future__ import annotations

import numpy as np
import orjson
import pytest

from ctloop.inference_log.binary_tensors import BINARY_ELEMENT
from ctloop.inference_log.events import parse_event
from tests.inference_log.test_binary_tensors import kserve_to_rest

HEADERS = {  # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go)
    "ce-id": "call-1",
    "ce-type": "org.kubeflow.serving.inference.request",
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


def _from_binary(element: bytes) -> str:
    array = np.array([element], dtype=np.object_)
    body, _ = kserve_to_rest({"id": "r-1"}, "inputs", [("s", "BYTES", array)])
    return parse_event(HEADERS, body).body["inputs"][0]["data"][0]


def _from_json(element: str) -> str:
    tensor = {"name": "s", "shape": [1], "datatype": "BYTES", "data": [element]}
    body = orjson.dumps({"id": "r-1", "inputs": [tensor]})
    return parse_event(HEADERS, body).body["inputs"][0]["data"][0]


@pytest.mark.parametrize(
    "text",
    ["data:image/png;base64,iVBO", "data:application/octet-stream;base64,/9j/", "caf\u00e9"],
    ids=["image-data-url", "octet-stream-data-url", "plain-text"],
)
def test_one_utf8_element_is_stored_alike_from_json_and_binary_bodies(text):
    assert _from_binary(text.encode()) == _from_json(text) == text


def test_a_non_utf8_element_is_stored_as_a_data_url_of_its_bytes():
    assert _from_binary(b"\xff\xd8\xff") == BINARY_ELEMENT + "/9j/"
