"""A ``ce-metadata``/``ce-annotations`` value nested deeper than Python's parser goes (100,000
brackets: 200 KB, well under the 1 MiB head limit) is a 400 naming the header. Before,
``json.loads`` raised RecursionError: a 500 "internal error" with a traceback in the sink's log."""

from __future__ import annotations

import json

import httpx
import pytest

from ctloop.inference_log.events import RejectedEvent, parse_event
from tests.fixtures.servers import start_sink, stop_group

HEADERS = {"ce-id": "a1", "ce-type": "org.kubeflow.serving.inference.request", "ce-specversion": "1.0",
           "ce-source": "src", "ce-inferenceservicename": "credit", "ce-time": "2026-11-22T10:31:02Z"}
DEEP = '{"X-Order-Id": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize("name", ["ce-metadata", "ce-annotations"])
def test_a_deeply_nested_header_is_a_400(name):
    with pytest.raises(RejectedEvent) as info:
        parse_event({**HEADERS, name: DEEP}, b'{"instances": [[1]]}')
    assert info.value.status == 400 and name in info.value.reason


def test_structured_mode_too():
    body = json.dumps({"specversion": "1.0", "id": "s1", "type": "org.kubeflow.serving.inference.request",
                       "source": "x", "inferenceservicename": "credit", "metadata": DEEP,
                       "data": {"instances": [[1]]}}).encode()
    with pytest.raises(RejectedEvent) as info:
        parse_event({"content-type": "application/cloudevents+json"}, body)
    assert info.value.status == 400 and "ce-metadata" in info.value.reason


def test_through_the_sink(tmp_path):
    proc, url = start_sink(tmp_path)
    try:
        answer = httpx.post(url, headers={**HEADERS, "ce-metadata": DEEP}, content=b'{"instances": [[1]]}', timeout=10)
    finally:
        stop_group(proc)
    assert answer.status_code == 400, answer.text
    assert "Traceback" not in (tmp_path / "sink.log").read_text()


@pytest.mark.parametrize("depth", [900, 960, 990, 1000, 1010, 1020])
def test_structured_data_nested_just_under_orjsons_parse_limit_is_a_400(depth):
    # orjson parses up to 1,024 levels; the data was then serialised by Python's json (orjson's
    # serialiser stops at 254) before the depth check: RecursionError, a 500
    data = '{"instances": [' + "[" * depth + "]" * depth + "]}"
    body = ('{"specversion": "1.0", "id": "s1", "type": "org.kubeflow.serving.inference.request", "source": "x", '
            '"inferenceservicename": "credit", "data": ' + data + "}").encode()
    with pytest.raises(RejectedEvent) as info:
        parse_event({"content-type": "application/cloudevents+json"}, body)
    assert info.value.status == 400 and "nested" in info.value.reason
