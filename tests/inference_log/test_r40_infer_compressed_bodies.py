"""A compressed body inside a binary-mode event of KServe's agent (round 40 hunt).

Triton (KServe's ``kserve-tritonserver`` runtime) compresses its HTTP response as the client's
``Accept-Encoding`` asks (``HTTPAPIServer::GetResponseCompressionType``, triton-inference-server
``src/http_server.cc``: ``gzip`` or ``deflate``), and Python ``requests`` sends ``Accept-Encoding:
gzip, deflate`` by default. KServe's agent logs the bytes the model server wrote
(``loggingResponseWriter``, v0.20.0 ``pkg/logger/handler.go``; Go's reverse proxy does not
decompress a response whose request set ``Accept-Encoding`` itself) as the event's data, without any
``Content-Encoding`` (``worker.go``: only ``SetData(contentType, bytes)``, the request's content type).
A client's gzip request body is logged the same way. The sink answered 400 ``body is not JSON``,
and the agent never retries: every such response was lost. Now a body that starts with the gzip or
zlib magic bytes (never the start of JSON) is decompressed, at most the sink's body limit, then read
as any other.
"""

from __future__ import annotations

import gzip
import json
import zlib

import httpx
import pytest

from ctloop.inference_log.defaults import VALUES_DIVISOR
from ctloop.inference_log.events import RejectedEvent, join, parse_event
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.support import parquet_rows

RESPONSE = {"model_name": "m", "outputs": [{"name": "p", "shape": [2], "datatype": "FP32", "data": [0.25, 0.75]}]}
REQUEST = {"inputs": [{"name": "x", "shape": [2], "datatype": "FP32", "data": [1.0, 2.0]}]}


def _headers(kind: str) -> dict[str, str]:
    # binary mode as the agent sends it (v0.20.0 pkg/logger/worker.go: every extension set)
    return {"ce-id": "c1", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "m", "ce-namespace": "ns",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": "2026-11-22T10:31:02.417396123Z", "content-type": "application/json"}


@pytest.mark.parametrize("compress", [gzip.compress, zlib.compress], ids=["gzip", "deflate"])
def test_a_compressed_response_is_read(compress):
    event = parse_event(_headers("response"), compress(json.dumps(RESPONSE).encode()))
    assert event.body == RESPONSE and json.loads(event.raw) == RESPONSE  # the WAL holds the JSON
    assert [row["prediction_p"] for row in join(None, event)] == [0.25, 0.75]


def test_a_body_inflating_past_the_limit_is_a_413():
    body = gzip.compress(b'{"instances": [' + b"1," * 200_000 + b"1]}")
    with pytest.raises(RejectedEvent) as exc:
        parse_event(_headers("request"), body, max_values=100_000 // VALUES_DIVISOR)
    assert exc.value.status == 413 and exc.value.code == "oversize"


def test_compressed_bytes_that_are_no_json_are_a_400():
    with pytest.raises(RejectedEvent, match="not JSON") as exc:
        parse_event(_headers("request"), gzip.compress(b"not json"))
    assert exc.value.status == 400
    with pytest.raises(RejectedEvent, match="not JSON"):
        parse_event(_headers("request"), b"\x1f\x8b\x08garbage")


def test_the_sink_joins_a_plain_request_with_its_compressed_response(tmp_path):
    proc, url = start_sink(tmp_path)
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            for kind, body in (("request", json.dumps(REQUEST).encode()),
                               ("response", gzip.compress(json.dumps(RESPONSE).encode()))):
                answer = client.post("/", headers=_headers(kind), content=body)
                assert answer.status_code == 200, answer.text
    finally:
        stop_group(proc)
    rows = parquet_rows(tmp_path / "root").sort_values("instance")
    assert rows["has_response"].all() and rows["prediction_p"].tolist() == [0.25, 0.75]
    assert rows["x"].tolist() == [1.0, 2.0]


def test_a_structured_event_with_compressed_data_base64_is_read():
    """What ``ctloop logger import`` makes of a KServe blob record (``bytes``: the body as logged,
    base64) of a compressed response."""
    import base64

    event = {"specversion": "1.0", "id": "c1", "type": "org.kubeflow.serving.inference.response",
             "source": "http://localhost:9081/", "inferenceservicename": "m", "namespace": "ns",
             "component": "predictor", "time": "2026-11-22T10:31:02Z",
             "data_base64": base64.b64encode(gzip.compress(json.dumps(RESPONSE).encode())).decode()}
    parsed = parse_event({"content-type": "application/cloudevents+json"}, json.dumps(event).encode())
    assert parsed.body == RESPONSE
