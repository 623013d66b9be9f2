"""A binary ``BYTES`` element that is no UTF-8 text (an encoded image) is logged, not refused
(round 44).

Triton, a KServe serving runtime, takes encoded images as ``BYTES`` inputs sent with the Open
Inference Protocol's binary tensor extension; KServe's agent logs the request's bytes as they are
(``pkg/logger/handler.go``, v0.20.0) and never retries a refused event. The sink refused such a
request with 400 ``BYTES element 0 is not UTF-8 text`` (what KServe's own Python server does:
``InferInput.set_data_from_numpy(binary_data=False)`` in ``python/kserve/kserve/protocol/
infer_type.py`` raises ``Failed to encode ... using UTF-8``), so every request of such a model was
lost and its responses written alone. Now the element is kept as an RFC 2397 data URL of its
bytes (JSON and Parquet strings hold text only); UTF-8 elements are unchanged.
"""

from __future__ import annotations

import base64
import json

import numpy as np

from ctloop.inference_log.binary_tensors import decode, split
from ctloop.inference_log.events import join, parse_event
from tests.inference_log.test_binary_tensors import kserve_to_rest

BINARY_ELEMENT = "data:application/octet-stream;base64,"  # RFC 2397
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"  # the start of a JPEG file: no UTF-8


def _headers(kind: str) -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {
        "ce-id": "img-1",
        "ce-type": f"org.kubeflow.serving.inference.{kind}",
        "ce-specversion": "1.0",
        "ce-source": "http://localhost:9081/",
        "ce-inferenceservicename": "resnet",
        "ce-namespace": "ns",
        "ce-component": "predictor",
        "ce-endpoint": "",
        "ce-metadata": "{}",
        "ce-time": "2026-11-22T10:31:02.417Z",
        "content-type": "application/octet-stream",
    }


def _images() -> bytes:
    images = np.array([JPEG, "caf\u00e9".encode()], dtype=np.object_)
    body, _ = kserve_to_rest({"id": "r-1"}, "inputs", [("image", "BYTES", images)])
    return body


def test_a_bytes_element_that_is_no_utf8_is_kept_as_a_data_url():
    payload, tail = split(_images())
    (tensor,) = decode(payload, tail, "request")["inputs"]
    assert tensor["data"] == [BINARY_ELEMENT + base64.b64encode(JPEG).decode(), "caf\u00e9"]
    assert base64.b64decode(tensor["data"][0].removeprefix(BINARY_ELEMENT)) == JPEG


def test_the_request_of_an_image_model_is_logged_with_its_response():
    request = parse_event(_headers("request"), _images())
    response = parse_event(
        _headers("response"),
        json.dumps(
            {
                "id": "r-1",
                "outputs": [
                    {"name": "label", "shape": [2], "datatype": "BYTES", "data": ["cat", "x"]}
                ],
            }
        ).encode(),
    )
    rows = join(request, response)
    assert [r["image"][: len(BINARY_ELEMENT)] for r in rows] == [BINARY_ELEMENT, "caf\u00e9"]
    assert [r["prediction_label"] for r in rows] == ["cat", "x"]
    assert request.to_wal().decode("utf-8")  # the write-ahead log line is UTF-8
