"""A lone UTF-16 surrogate (``"\\ud800"``: valid JSON escape, no Unicode character) in an event's
attributes cannot be written to the write-ahead log (UTF-8). Before, such an event was accepted
into a commit, whose write raised in the committer task: the sink failed, answering 503 to every
event until restarted (KServe's agent does not retry: all of them lost)."""

from __future__ import annotations

import httpx
import pytest

from ctloop.inference_log.events import RejectedEvent, parse_event
from tests.fixtures.servers import start_sink, stop_group

HEADERS = {"ce-id": "a1", "ce-type": "org.kubeflow.serving.inference.request", "ce-specversion": "1.0",
           "ce-source": "src", "ce-inferenceservicename": "credit", "ce-time": "2026-11-22T10:31:02Z"}
RESPONSE = {**HEADERS, "ce-type": "org.kubeflow.serving.inference.response"}
STRUCTURED = {"content-type": "application/cloudevents+json"}


def _structured(**fields: str) -> bytes:
    attributes = {"specversion": '"1.0"', "id": '"s1"', "type": '"org.kubeflow.serving.inference.request"',
                  "source": '"x"', "inferenceservicename": '"credit"', "data": '{"instances": [[3]]}', **fields}
    return ("{" + ",".join(f'"{k}": {v}' for k, v in attributes.items()) + "}").encode()


@pytest.mark.parametrize(("headers", "body", "field"), [
    (STRUCTURED, _structured(id='"\\ud800"'), "id"),
    (STRUCTURED, _structured(source='"a\\udc00b"'), "source"),
    (STRUCTURED, _structured(metadata='"{\\"X-Order-Id\\": [\\"\\\\ud800\\"]}"'), "metadata"),
    (STRUCTURED, _structured(data='"{\\"instances\\": [[1]]}\\ud800"'), "data"),
    ({**HEADERS, "ce-metadata": '{"X-Order-Id": ["\\ud800"]}'}, b'{"instances": [[1]]}', "metadata"),
    ({**HEADERS, "ce-annotations": '{"ctloop.dev/model-version": "\\udc00"}'}, b'{"instances": [[1]]}',
     "annotations"),
])
def test_a_lone_surrogate_in_an_attribute_is_a_400_naming_it(headers, body, field):
    with pytest.raises(RejectedEvent) as info:
        parse_event(dict(headers), body)
    assert info.value.status == 400, info.value.reason
    assert field in info.value.reason


def test_a_response_body_s_model_version_has_it_replaced():
    # the body is data: its lone surrogates become U+FFFD (test_hunt_sink_surrogate_values.py)
    event = parse_event(dict(RESPONSE), b'{"predictions": [1], "model_version": "\\ud800"}')
    assert event.model_version == "\ufffd"
    event.to_wal()


def test_one_such_event_does_not_fail_the_sink(tmp_path):
    proc, url = start_sink(tmp_path)
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            bad = client.post("/", headers=STRUCTURED, content=_structured(id='"\\ud800"'))
            assert bad.status_code == 400, bad.text
            good = client.post("/", headers=HEADERS, content=b'{"instances": [[1, 2]]}')
            assert good.status_code == 200, good.text
            assert client.get("/healthz").json()["status"] == "ok"
    finally:
        stop_group(proc)


@pytest.mark.parametrize("value", ['{"a": ["\\ud800"]}', '{"\\udc00": 1}', "[" * 300 + "]" * 300])
def test_a_structured_attribute_that_is_json_but_no_text_is_a_400(value):
    # an extension attribute given as JSON (not a string) is kept as its JSON text; one that
    # cannot be written as such (a lone surrogate, deeper than orjson writes) was a 500
    with pytest.raises(RejectedEvent) as info:
        parse_event(dict(STRUCTURED), _structured(instances=value))
    assert info.value.status == 400 and "instances" in info.value.reason
