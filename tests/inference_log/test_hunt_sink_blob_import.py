"""``ctloop logger import`` from a local directory whose file names are not UTF-8 (a volume
written by another system: Python lists such names with surrogate escapes). Before, the rows
were written, then the import record could not be (orjson: "str is not valid UTF-8"): a
traceback, and every later run imported the same objects again."""

from __future__ import annotations

import base64
import json
import os

from ctloop.inference_log.blob_import import run_import
from tests.inference_log.support import parquet_rows


def _record(kind: str, i: int) -> dict:
    # a KServe v0.20.0 LogRequest (pkg/logger/types.go) as marshaller_json.go writes it
    body = {"instances": [[i]]} if kind == "request" else {"predictions": [1]}
    return {"bytes": base64.b64encode(json.dumps(body).encode()).decode(), "contentType": "application/json",
            "reqType": f"org.kubeflow.serving.inference.{kind}", "id": f"id{i}",
            "sourceUri": {"Scheme": "http", "Host": "localhost:9081", "Path": "/"}, "inferenceService": "credit",
            "namespace": "ns", "component": "predictor", "endpoint": "", "metadata": {},
            "occurrenceTime": "2026-11-22T10:31:02.123456789Z"}


def test_a_file_name_that_is_not_utf8_is_imported_once(tmp_path):
    source = tmp_path / "logs"
    source.mkdir()
    for name, kind, i in ((b"\xff-request.json", "request", 1), (b"\xff-response.json", "response", 1),
                          (b"ok-request.json", "request", 2)):
        with open(os.path.join(os.fsencode(source), name), "w") as f:
            json.dump(_record(kind, i), f)
    root = tmp_path / "root"
    first = run_import(str(source), str(root), progress=lambda _: None)
    assert (first.imported, first.requests, first.responses) == (3, 2, 1)
    again = run_import(str(source), str(root), progress=lambda _: None)
    assert (again.imported, again.already) == (0, 3)
    rows = parquet_rows(root)
    assert sorted(rows["request_id"]) == ["id1", "id2"]
