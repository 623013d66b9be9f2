"""A request half whose response half reported an error, written by two sink replicas, reads as the
one replica's join writes the call (review 42 C, suspicion): ``_whole`` (a side kept whole for a
later stitch) is cleared on the paired rows, as the stitch path and the sink's own join leave it.
Before, ``reader._failed_pairs`` kept it on the first row, so one- and two-replica logs differed.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ctloop.inference_log.events import join, parse_event
from ctloop.inference_log.reader import merge_halves


def _headers(kind: str, when: str) -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {"ce-id": "call-1", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "bert",
            "ce-namespace": "ns", "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": when, "content-type": "application/json"}


@pytest.mark.parametrize("body", [
    {"inputs": [{"name": "input_ids", "shape": [3], "datatype": "INT64", "data": [101, 2023, 102]}]},
    {"inputs": {"tag": ["a", "b"], "signal": [[1, 2], [3, 4]]}},
], ids=["v2-sequence", "tfs-columnar"])
def test_two_replicas_read_as_one(body):
    request = parse_event(_headers("request", "2026-11-22T10:31:02.417Z"), json.dumps(body).encode())
    response = parse_event(_headers("response", "2026-11-22T10:31:03Z"), b'{"error": "boom"}')
    one = pd.DataFrame(join(request, response))
    merged = merge_halves(pd.DataFrame([*join(request, None), *join(None, response)]))
    assert len(merged) == len(one) and list(merged["_error"]) == list(one["_error"])
    assert merged["_whole"].isna().all()  # was the request side's text on the first row
    assert "_whole" not in one.columns or one["_whole"].isna().all()
