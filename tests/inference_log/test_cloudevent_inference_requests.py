"""KServe's model server takes a CloudEvent as the inference request (v0.20.0
``python/kserve/kserve/protocol/dataplane.py`` ``decode_cloudevent``: a JSON body with ``time``,
``type``, ``source``, ``id``, ``specversion`` and ``data`` — ``is_structured_cloudevent`` in
``utils/utils.py`` — is read as its ``data``) and answers a structured one when the request's
``Content-Type`` was ``application/cloudevents+json`` (``encode``/``create_response_cloudevent``).
The agent logs those bodies as they are, in binary mode, with the request's ``Content-Type``
(``pkg/logger/handler.go``, ``worker.go``: ``SetData(logReq.ContentType, ...)``,
``WithEncodingBinary``). The sink took ``application/cloudevents+json`` for a structured event of
its own and refused both halves with 400 (the whole inference lost: the agent does not retry), and
with ``application/json`` logged the request without its features. Both now land as one row with
features and prediction. Real sink process, real HTTP on loopback."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.test_sink_server import metrics_once_written, read_rows
from tests.inference_log.test_v2_request_id import agent_headers

pytestmark = pytest.mark.slow


def client_event(ce_id: str, data: dict) -> dict:
    """A structured CloudEvent a client POSTs to the InferenceService."""
    return {"specversion": "1.0", "id": ce_id, "type": "com.example.credit.score", "source": "loan-desk",
            "time": "2026-12-01T09:59:59Z", "datacontenttype": "application/json", "data": data}


def server_event(data: dict) -> dict:
    """The structured CloudEvent KServe's server answers with (create_response_cloudevent: type
    io.kserve.inference.response, source io.kserve.inference.<model>, a new id and time)."""
    return {"specversion": "1.0", "id": "0c3a9d4e-5f61-4b2a-9c7e-2d8f1e6b7a90", "source": "io.kserve.inference.credit",
            "type": "io.kserve.inference.response", "time": "2026-12-01T10:00:00.2Z", "data": data}


@pytest.mark.parametrize("content_type", ["application/cloudevents+json", "application/json"])
def test_a_cloudevent_sent_to_the_model_is_logged_as_its_data(tmp_path, content_type):
    request = client_event("desk-1", {"instances": [{"income": 1.5, "age": 30}, {"income": 2.5, "age": 40}]})
    response = server_event({"predictions": [0.25, 0.75]}) if content_type != "application/json" else \
        {"predictions": [0.25, 0.75]}  # a plain answer unless the request's Content-Type asked for a CloudEvent
    proc, url = start_sink(tmp_path, flush_seconds=0.2)
    try:
        with httpx.Client() as client:
            for kind, body in (("request", request), ("response", response)):
                headers = {**agent_headers("desk-1", kind), "Content-Type": content_type}
                answer = client.post(url, headers=headers, content=json.dumps(body))
                assert answer.status_code == 200, answer.text
            metrics_once_written(client, url, 2)
    finally:
        stop_group(proc)
    rows = read_rows(tmp_path / "root").sort_values("instance")
    assert rows["request_id"].tolist() == ["desk-1", "desk-1"]  # the agent's ce-id, not the envelope's
    assert rows[["income", "age", "prediction"]].values.tolist() == [[1.5, 30, 0.25], [2.5, 40, 0.75]]
    assert rows["has_request"].all() and rows["has_response"].all()
    assert rows["time"].tolist() == ["2026-12-01T10:00:00.123456789Z"] * 2  # the agent's ce-time


def test_a_structured_event_of_another_producer_is_still_read_as_one():
    """Without the agent's extension headers a cloudevents+json body is the event itself."""
    from ctloop.inference_log.events import parse_event

    event = {"specversion": "1.0", "id": "sdk-1", "type": "org.kubeflow.serving.inference.request",
             "source": "batch", "inferenceservicename": "credit", "time": "2026-12-01T10:00:00Z",
             "data": {"instances": [{"income": 1.0}]}}
    parsed = parse_event({"content-type": "application/cloudevents+json"}, json.dumps(event).encode())
    assert (parsed.id, parsed.body) == ("sdk-1", {"instances": [{"income": 1.0}]})
