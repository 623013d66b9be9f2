"""gRPC calls in a KServe blob record and in a structured event without an id (review of round
43, items 4 and 5).

4. ``ctloop logger import`` left the record's ``contentType`` out of the CloudEvent it makes, so a
   gRPC call's record (protobuf frames) was skipped as ``bad_json`` and the ``grpc`` reason it
   lists never fired. KServe v0.20.0 ``pkg/logger/worker.go`` line 149 (``sendHttpCloudEvent``:
   ``event.SetData(logReq.ContentType, *logReq.Bytes)``) sets the event's data content type from
   ``LogRequest.ContentType``, which a blob record stores as ``contentType``
   (``pkg/logger/marshaller_record.go`` line 31, same release): the record now carries it as
   ``datacontenttype`` and is refused as ``grpc``, as ``serve`` refuses it.
5. A structured-mode gRPC event without an ``id`` was logged as event ``None``.
"""

from __future__ import annotations

import base64
import json
import struct

import orjson
import pytest

from ctloop.inference_log.blob_import import RECORD_REASONS, decode_object, record_event
from ctloop.inference_log.events import STRUCTURED, RejectedEvent, parse_event


def _grpc_body() -> bytes:
    message = b"\n\x06credit\x1a\x03abc"  # a ModelInferRequest's first fields, length-prefixed
    return b"\x00" + struct.pack(">I", len(message)) + message


def _record(content_type: str, body: bytes) -> dict:
    # the fields KServe's blob logger writes (pkg/logger/types.go LogRequest, JSON marshaller)
    return {
        "url": "http://credit-predictor.ns/v2/models/credit/infer",
        "bytes": base64.b64encode(body).decode(),
        "contentType": content_type,
        "reqType": "org.kubeflow.serving.inference.request",
        "id": "g-1",
        "sourceUri": "http://localhost:9081/",
        "inferenceService": "credit",
        "namespace": "ns",
        "component": "predictor",
        "endpoint": "",
        "metadata": {},
        "occurrenceTime": "2026-11-22T10:31:02.417Z",
    }


@pytest.mark.parametrize("content_type", ["application/grpc", "application/grpc+proto"])
def test_a_grpc_record_is_refused_as_grpc(content_type):
    with pytest.raises(RejectedEvent) as caught:
        record_event(_record(content_type, _grpc_body()))
    # before this fix: 400 bad_json ("body is not JSON")
    assert (caught.value.status, caught.value.code) == (415, "grpc")
    assert "grpc" in RECORD_REASONS


def test_an_object_of_grpc_records_counts_them_as_grpc():
    data = json.dumps([_record("application/grpc", _grpc_body())]).encode()
    decoded = decode_object("kserve/credit/0001.json", data)
    assert not decoded.events
    assert decoded.skipped == {"grpc": 1}  # before this fix: {"bad_json": 1}


def test_a_json_record_still_reads_whatever_content_type_the_request_had():
    body = json.dumps({"instances": [{"income": 1.0}]}).encode()
    for content_type in ("application/json", "application/x-www-form-urlencoded", ""):
        event = record_event(_record(content_type, body))
        assert event.body == {"instances": [{"income": 1.0}]}


def test_a_structured_grpc_event_without_an_id_is_named_so():
    envelope = {
        "specversion": "1.0",
        "type": "org.kubeflow.serving.inference.request",
        "source": "http://localhost:9081/",
        "datacontenttype": "application/grpc",
        "data_base64": base64.b64encode(_grpc_body()).decode(),
    }
    with pytest.raises(RejectedEvent) as caught:
        parse_event({"content-type": STRUCTURED}, orjson.dumps(envelope), lowercase=True)
    assert caught.value.code == "grpc"
    assert caught.value.event_id == "(no id)"  # before this fix: "None"
