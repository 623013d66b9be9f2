"""A batch over 1 MiB was refused 413 and lost without a trace on the sink's side.

Nothing in a KServe v0.20.0 deployment limits a REST body: the agent reads it whole
(``io.ReadAll`` in ``pkg/logger/handler.go``), the model server (uvicorn + FastAPI,
``python/kserve/kserve/protocol/rest/server.py``) and Knative's queue-proxy set no limit; KServe's own
gRPC default is 8 MiB (``MAX_GRPC_MESSAGE_LENGTH``, ``python/kserve/kserve/constants/constants.py``).
The agent never retries, and only logs the status at info level in the predictor pod. The sink's
default is now 16 MiB; a larger body is refused 413, counted as ``oversize`` and logged with its
event id, its size, the limit and the setting that raises it. Real ``ctloop logger serve``."""

from __future__ import annotations

import json

import httpx
import pytest

from ctloop.inference_log.defaults import MAX_BODY_BYTES
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.test_sink_server import metrics_once_written, read_rows
from tests.inference_log.test_v2_request_id import agent_headers

pytestmark = pytest.mark.slow


def batch(rows: int) -> bytes:
    return json.dumps({"instances": [{f"feature_{j:02d}": 123.4567 + i for j in range(50)}
                                     for i in range(rows)]}).encode()


def test_a_batch_over_the_old_limit_is_kept_and_one_over_the_new_limit_is_refused_loudly(tmp_path):
    assert MAX_BODY_BYTES == 16 << 20
    big = batch(1200)  # ~1.2 MiB: refused by the old 1 MiB default
    assert (1 << 20) < len(big) < MAX_BODY_BYTES
    too_big = batch(int(1200 * (MAX_BODY_BYTES + 1024) / len(big)) + 10)
    assert len(too_big) > MAX_BODY_BYTES
    proc, url = start_sink(tmp_path, flush_seconds=0.2)  # default --max-body-bytes
    try:
        with httpx.Client(timeout=60) as client:
            for kind, body in (("request", big), ("response", json.dumps({"predictions": [1] * 1200}).encode())):
                answer = client.post(url, headers=agent_headers("big", kind), content=body)
                assert answer.status_code == 200, answer.text
            answer = client.post(url, headers=agent_headers("too-big", "request"), content=too_big)
            assert answer.status_code == 413
            assert f"exceeds the limit of {MAX_BODY_BYTES}" in answer.json()["error"]
            metrics = metrics_once_written(client, url, 2)
    finally:
        stop_group(proc)
    rows = read_rows(tmp_path / "root")
    assert len(rows) == 1200 and rows["has_response"].all() and set(rows["request_id"]) == {"big"}
    assert 'ctloop_log_events_rejected_total{reason="oversize"} 1' in metrics
    lines = [line for line in (tmp_path / "sink.log").read_text().splitlines() if "refused event too-big" in line]
    assert len(lines) == 1, (tmp_path / "sink.log").read_text()
    assert f"body of {len(too_big)} bytes exceeds the limit of {MAX_BODY_BYTES} bytes" in lines[0]
    assert "--max-body-bytes (CTLOOP_LOG_MAX_BODY_BYTES)" in lines[0]


def test_a_chunked_body_over_the_limit_is_logged_too(tmp_path):
    proc, url = start_sink(tmp_path, max_body_bytes=1000)
    try:
        with httpx.Client() as client:
            chunks = iter([b'{"instances": [', b"[0.0]," * 300, b"[0.0]]}"])  # no Content-Length: chunked
            answer = client.post(url, headers=agent_headers("chunked", "request"), content=chunks)
            assert answer.status_code == 413
            metrics = client.get(f"{url}/metrics").text
    finally:
        stop_group(proc)
    assert 'ctloop_log_events_rejected_total{reason="oversize"} 1' in metrics
    log = (tmp_path / "sink.log").read_text()
    assert "refused event chunked (org.kubeflow.serving.inference.request, credit): body of more than 1000 bytes" in log
