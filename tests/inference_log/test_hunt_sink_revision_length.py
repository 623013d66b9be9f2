"""The revision parsed from ``ce-source`` names the partition directory ``revision=<revision>``.
A Knative revision name is a DNS label (at most 63 characters); a source of 300 characters
shaped like a pod name gave a 316-character revision, a directory name past NAME_MAX (255), and
every flush then failed for every model, the shutdown too. Such a source names no revision."""

from __future__ import annotations

import httpx

from ctloop.inference_log.events import revision_from_source
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.support import parquet_rows

LONG = "a" * 300 + "-predictor-00001-deployment-5d8c9f7b4-x2x7q"


def test_a_source_too_long_for_a_revision_names_none():
    assert revision_from_source(LONG) == ""
    name = "b" * 47 + "-predictor-00001"  # 63 characters: a revision name can be that long
    assert revision_from_source(name + "-deployment-5d8c9f7b4-x2x7q") == name


def test_it_blocks_no_flush(tmp_path):
    proc, url = start_sink(tmp_path, flush_seconds=0.2)
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            for i, source in ((1, LONG), (2, "http://localhost:9081/")):
                for kind, body in (("request", b'{"instances": [[1]]}'), ("response", b'{"predictions": [1]}')):
                    headers = {"ce-id": f"s{i}", "ce-type": f"org.kubeflow.serving.inference.{kind}",
                               "ce-specversion": "1.0", "ce-source": source, "ce-inferenceservicename": "credit",
                               "ce-time": "2026-11-22T10:31:02Z"}
                    answer = client.post("/", headers=headers, content=body)
                    assert answer.status_code == 200, answer.text
    finally:
        stop_group(proc)
    assert "stopped cleanly" in (tmp_path / "sink.log").read_text()
    rows = parquet_rows(tmp_path / "root")
    assert sorted(rows["request_id"]) == ["s1", "s2"] and set(rows["revision"]) == {"unknown"}
