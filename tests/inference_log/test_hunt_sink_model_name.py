"""The InferenceService name of an event names directories and files of the log
(``model=<isvc>/…``, ``_schema/model=<isvc>.json``): a name that cannot be one is refused on
arrival, never acknowledged and then written (or failing every flush)."""

from __future__ import annotations

import json

import httpx
import pytest

from ctloop.inference_log.events import Event, RejectedEvent, parse_event
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.support import parquet_rows


def _headers(model: str, kind: str = "request", ce_id: str = "r1") -> dict[str, str]:
    # a producer other than KServe's agent (no ce-endpoint/ce-metadata): percent-decoded (HTTP binding §3.1.3.2)
    return {"ce-id": ce_id, "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "batch-scorer", "ce-inferenceservicename": model, "ce-time": "2026-11-22T10:31:02Z"}


@pytest.mark.parametrize("model", ["credit%0A", "credit%0a", "credit\n"])
def test_a_name_ending_in_a_line_break_is_refused(model):
    # Python's '$' also matches before a final newline: 'credit\n' passed as a Kubernetes name and
    # became the directory 'model=credit\n' (percent-encoded in binary mode, raw in structured mode)
    headers = _headers(model)
    if "\n" in model:
        body = json.dumps({"specversion": "1.0", "id": "s1", "type": "org.kubeflow.serving.inference.request",
                           "source": "x", "inferenceservicename": model, "data": {"instances": [[1]]}}).encode()
        headers = {"content-type": "application/cloudevents+json"}
    else:
        body = b'{"instances": [[1, 2]]}'
    with pytest.raises(RejectedEvent) as info:
        parse_event(headers, body)
    assert info.value.status == 400 and info.value.code == "bad_header"
    assert "ce-inferenceservicename" in info.value.reason


def test_a_replayed_wal_line_naming_no_valid_model_is_refused():
    line = parse_event(_headers("credit"), b'{"instances": [[1]]}').to_wal().replace(b'"credit"', b'"credit\\n"')
    with pytest.raises(ValueError, match="InferenceService"):
        Event.from_json(line)


def test_a_name_too_long_for_a_service_is_refused():
    # KServe creates the Service <isvc>-predictor, a DNS-1035 label of at most 63 characters; a
    # longer name cannot come from an InferenceService and 'model=<name>.json' would pass NAME_MAX
    parse_event(_headers("a" * 63), b'{"instances": [[1]]}')
    with pytest.raises(RejectedEvent) as info:
        parse_event(_headers("a" * 64), b'{"instances": [[1]]}')
    assert info.value.status == 400 and "63" in info.value.reason


def test_one_event_with_an_overlong_name_does_not_block_every_flush(tmp_path):
    # before: a 253-character name was accepted (200), and every flush then failed with
    # 'File name too long' for every model, the shutdown too ("Application shutdown failed")
    proc, url = start_sink(tmp_path, flush_seconds=0.2)
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            long = client.post("/", headers=_headers("a" * 253), content=b'{"instances": [[1, 2]]}')
            assert long.status_code == 400, long.text
            for kind, body in (("request", b'{"instances": [[1, 2]]}'), ("response", b'{"predictions": [1]}')):
                answer = client.post("/", headers=_headers("credit", kind, "ok1"), content=body)
                assert answer.status_code == 200, answer.text
    finally:
        stop_group(proc)
    assert "stopped cleanly" in (tmp_path / "sink.log").read_text()
    rows = parquet_rows(tmp_path / "root")
    assert rows["request_id"].tolist() == ["ok1"] and rows["has_response"].tolist() == [True]
