"""A request body holding a lone UTF-16 surrogate escape (``"\\ud83d"``: what JavaScript's
``JSON.stringify`` writes for a string cut in the middle of an emoji, ES2019 well-formed
stringify) in a feature name or value. It is valid JSON that KServe's server takes, but no UTF-8:
stored with U+FFFD in its place (as Go's encoding/json, KServe's agent, writes invalid UTF-8).
Before, the feature name went into the model's column-type registry and every flush then failed
(pyarrow cannot encode the field name) for every model, for good: the registry file kept it."""

from __future__ import annotations

import time

import httpx

from ctloop.inference_log.events import Event, parse_event
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.support import parquet_rows


def _headers(i: int, kind: str, model: str = "credit") -> dict[str, str]:
    return {"ce-id": f"i{i}", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": model, "ce-namespace": "ns",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": "2026-11-22T10:31:02Z"}


BODY = b'{"instances": [{"\\ud83dkey": 1.0, "text": "cut \\ud83d", "whole": "\\ud83d\\ude00"}]}'


def test_lone_surrogates_become_replacement_characters():
    event = parse_event(_headers(1, "request"), BODY)
    assert event.body == {"instances": [{"\ufffdkey": 1.0, "text": "cut \ufffd", "whole": "\U0001f600"}]}
    assert Event.from_json(event.to_wal()).body == event.body  # the WAL line holds them so


def test_such_a_request_is_written_and_blocks_no_flush(tmp_path):
    proc, url = start_sink(tmp_path, flush_seconds=0.2)
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            for i, model, body in ((1, "credit", BODY), (2, "fraud", b'{"instances": [{"x": 1.0}]}')):
                for kind, content in (("request", body), ("response", b'{"predictions": [1]}')):
                    answer = client.post("/", headers=_headers(i, kind, model), content=content)
                    assert answer.status_code == 200, answer.text
            written = 0
            for _ in range(100):  # the flusher runs every 0.2 s
                metrics = client.get("/metrics").text
                written = int(next(line.split()[1] for line in metrics.splitlines()
                                   if line.startswith("ctloop_log_rows_written_total")))
                if written == 2:
                    break
                time.sleep(0.1)
            assert written == 2, client.get("/healthz").text
    finally:
        stop_group(proc)
    rows = parquet_rows(tmp_path / "root").set_index("model")
    assert rows.loc["credit", "\ufffdkey"] == 1.0 and rows.loc["credit", "whole"] == "\U0001f600"
    assert not list((tmp_path / "root").glob("_quarantine/**/*.jsonl"))
