"""A gRPC call's events are refused as gRPC, not as broken JSON (round 43).

KServe v0.20.0's agent logs whatever passes its HTTP handler (``pkg/logger/handler.go``): the
request body as read (``io.ReadAll(r.Body)``) with the request's ``Content-Type``, and the
response body under that same ``Content-Type`` when the status is 200 — which a gRPC call's
always is (its outcome travels in the ``grpc-status`` trailer). A gRPC call through the agent
therefore arrives as two binary-mode events of ``Content-Type: application/grpc`` whose bodies
are gRPC length-prefixed protobuf messages, which ctloop cannot read (it has no ``.proto``).

Before, both were refused 400 ``body is not JSON: unexpected character…`` and counted as
``bad_json``, the reason of a broken JSON producer: an operator could not tell gRPC traffic
(nothing to fix in the producer, not loggable) from a bug. Now they are refused 415 with a
reason naming gRPC, counted under ``reason="grpc"``, the first one logged; the agent does not
retry, so nothing loops, and other events are logged as before.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import struct

import httpx
import pytest

from ctloop.inference_log.app import create_app
from ctloop.inference_log.events import RejectedEvent, parse_event
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import parquet_rows

# one gRPC message as sent on the wire: compressed flag 0, 4-byte big-endian length, protobuf bytes
# (ModelInferRequest{model_name: "m", id: "abc"})
_MESSAGE = b"\n\x01m\x1a\x03abc"
GRPC_BODY = b"\x00" + struct.pack(">I", len(_MESSAGE)) + _MESSAGE


def _headers(kind: str, content_type: str, ce_id: str = "g-1") -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {
        "ce-id": ce_id,
        "ce-type": f"org.kubeflow.serving.inference.{kind}",
        "ce-specversion": "1.0",
        "ce-source": "http://localhost:9081/",
        "ce-inferenceservicename": "m",
        "ce-namespace": "ns",
        "ce-component": "predictor",
        "ce-endpoint": "",
        "ce-metadata": "{}",
        "ce-time": "2026-11-22T10:31:02.417Z",
        "content-type": content_type,
    }


@pytest.mark.parametrize(
    "content_type", ["application/grpc", "application/grpc+proto", "Application/GRPC+json"]
)
@pytest.mark.parametrize("kind", ["request", "response"])
def test_a_grpc_event_is_refused_as_grpc(kind, content_type):
    with pytest.raises(RejectedEvent) as info:
        parse_event(_headers(kind, content_type), GRPC_BODY)
    assert (info.value.status, info.value.code) == (415, "grpc")
    assert "gRPC" in info.value.reason and "not logged" in info.value.reason


def test_grpc_events_are_counted_and_other_events_still_logged(tmp_path, caplog):
    async def scenario():
        sink = Sink(
            str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6
        )
        await sink.start()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s"
        ) as c:
            statuses = [
                (
                    await c.post("/", headers=_headers(k, "application/grpc"), content=GRPC_BODY)
                ).status_code
                for k in ("request", "response", "request", "response")
            ]
            for kind, body in (
                ("request", b'{"instances": [[1.0]]}'),
                ("response", b'{"predictions": [0]}'),
            ):
                r = await c.post(
                    "/", headers=_headers(kind, "application/json", "j-1"), content=body
                )
                assert r.status_code == 200
            await sink.flush(final=True)
            metrics = (await c.get("/metrics")).text
        await sink.stop()
        return statuses, metrics

    with caplog.at_level(logging.WARNING, logger="ctloop.inference_log"):
        statuses, metrics = asyncio.run(scenario())
    assert statuses == [415] * 4
    assert 'ctloop_log_events_rejected_total{reason="grpc"} 4' in metrics
    assert 'ctloop_log_events_rejected_total{reason="bad_json"} 0' in metrics
    grpc_lines = [r.getMessage() for r in caplog.records if "gRPC" in r.getMessage()]
    assert len(grpc_lines) == 1 and "g-1" in grpc_lines[0]  # the first one, not one per call
    assert parquet_rows(tmp_path / "root")["request_id"].tolist() == ["j-1"]


def test_a_json_body_labelled_grpc_web_text_is_still_refused_clearly():
    """``application/grpc-web-text`` is base64 gRPC-Web: not JSON either, refused as gRPC."""
    with pytest.raises(RejectedEvent) as info:
        parse_event(_headers("request", "application/grpc-web-text"), b"AAAAAAY=")
    assert info.value.code == "grpc"


def test_a_structured_event_of_grpc_data_is_refused_as_grpc():
    """Another producer's structured-mode event (CloudEvents JSON format §3.1) whose
    ``datacontenttype`` is gRPC: its ``data_base64`` is protobuf, refused alike (was ``bad_json``)."""
    envelope = {
        "specversion": "1.0",
        "id": "s-1",
        "source": "x",
        "type": "org.kubeflow.serving.inference.request",
        "inferenceservicename": "m",
        "datacontenttype": "application/grpc",
        "data_base64": base64.b64encode(GRPC_BODY).decode(),
    }
    with pytest.raises(RejectedEvent) as info:
        parse_event({"content-type": "application/cloudevents+json"}, json.dumps(envelope).encode())
    assert (info.value.status, info.value.code) == (415, "grpc")
