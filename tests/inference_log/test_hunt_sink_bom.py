"""A JSON body that starts with a UTF-8 byte order mark (Windows PowerShell 5's
``Invoke-RestMethod``, .NET's ``Encoding.UTF8`` writers; Python's ``json.loads`` of bytes, as
KServe's server reads a body, takes it) is acknowledged. Its write-ahead log line held the body
verbatim, BOM inside the line, which no JSON parser reads back: after a crash the acknowledged
event was quarantined as a "corrupt WAL line" and never reached the log."""

from __future__ import annotations

import os
import signal

import httpx

from ctloop.inference_log.events import Event, parse_event
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.support import parquet_rows

BODY = b'\xef\xbb\xbf{"instances": [[1.5, 2]]}'


def _headers(kind: str) -> dict[str, str]:
    return {"ce-id": "bom-1", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit", "ce-namespace": "ns",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": "2026-11-22T10:31:02Z", "content-type": "application/json; charset=utf-8"}


def test_the_wal_line_reads_back():
    event = parse_event(_headers("request"), BODY)
    assert Event.from_json(event.to_wal()).body == {"instances": [[1.5, 2]]}


def test_acknowledged_then_killed_it_is_in_the_log(tmp_path):
    proc, url = start_sink(tmp_path)
    answer = httpx.post(url, headers=_headers("request"), content=BODY, timeout=10)
    assert answer.status_code == 200, answer.text
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    proc, url = start_sink(tmp_path)  # the same WAL, replayed
    try:
        answer = httpx.post(url, headers=_headers("response"), content=b'{"predictions": [1]}', timeout=10)
        assert answer.status_code == 200, answer.text
    finally:
        stop_group(proc)
    (row,) = parquet_rows(tmp_path / "root").to_dict("records")
    assert (row["has_request"], row["has_response"], row["f0"], row["f1"]) == (True, True, 1.5, 2.0)
