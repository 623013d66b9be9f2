"""A response body ``{"error": ...}`` marks its rows as errors, not as predictions gone missing
(round 42, item 2).

KServe v0.20.0's agent sends a response event only for HTTP 200 (``pkg/logger/handler.go``:
``if lrw.statusCode == http.StatusOK`` around the response's ``QueueLogRequest``), so an
``{"error": ...}`` body (what KServe's Python server answers a failure with, with a 5xx) reaches
the sink only from a server that answers its failures with 200 (a custom predictor or
transformer). Before, the join made the request's rows ``has_response`` true with no prediction:
readers counted them as served, and the label join paired their labels with an empty prediction.
Now every row of such a pair holds the error's text in ``_error``, the sink counts the responses
(``ctloop_log_error_responses_total``) and :func:`reader.served` leaves the rows out (the label
join reports them among ``unserved``).
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pandas as pd
import pytest

from ctloop.inference_log.app import create_app
from ctloop.inference_log.events import join, parse_event
from ctloop.inference_log.reader import merge_halves, served
from ctloop.inference_log.sink import Sink
from ctloop.labels.join import join_labels
from tests.inference_log.support import parquet_rows


def _headers(kind: str) -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {"ce-id": "call-1", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
            "ce-namespace": "ns", "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": "2026-11-22T10:31:02.417Z", "content-type": "application/json"}


def _post(tmp_path, *events) -> tuple[pd.DataFrame, str]:
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            for headers, body in events:
                assert (await c.post("/", headers=headers, content=json.dumps(body))).status_code == 200
            await sink.flush(final=True)
            metrics = (await c.get("/metrics")).text
        await sink.stop()
        return metrics

    metrics = asyncio.run(scenario())
    return parquet_rows(tmp_path / "root"), metrics


REQUEST = {"instances": [{"x": 1.0}, {"x": 2.0}]}


@pytest.mark.parametrize("error, text", [("model crashed: CUDA OOM", "model crashed: CUDA OOM"),
                                         ({"code": 13, "message": "boom"}, '{"code":13,"message":"boom"}')],
                         ids=["text", "object"])
def test_an_error_response_marks_every_row_and_is_counted(tmp_path, error, text):
    rows, metrics = _post(tmp_path, (_headers("request"), REQUEST), (_headers("response"), {"error": error}))
    assert rows["_error"].tolist() == [text, text]
    assert rows["x"].tolist() == [1.0, 2.0] and rows["has_response"].all()
    assert "ctloop_log_error_responses_total 1" in metrics
    assert served(rows).empty  # no prediction was served


def test_a_prediction_is_no_error(tmp_path):
    rows, metrics = _post(tmp_path, (_headers("request"), REQUEST),
                          (_headers("response"), {"predictions": [0, 1]}))
    assert rows["_error"].isna().all() and len(served(rows)) == 2
    assert "ctloop_log_error_responses_total 0" in metrics


def test_a_v1_prediction_object_called_error_is_a_prediction():
    """``{"predictions": [{"error": 0.1}]}`` is a model's output named error: a prediction column."""
    req = parse_event(_headers("request"), json.dumps({"instances": [[1]]}).encode())
    resp = parse_event(_headers("response"), json.dumps({"predictions": [{"error": 0.1}]}).encode())
    (row,) = join(req, resp)
    assert row["prediction_error"] == 0.1 and row.get("_error") is None


def test_halves_of_an_error_pair_keep_the_error_on_every_row():
    req = parse_event(_headers("request"), json.dumps(REQUEST).encode())
    resp = parse_event({**_headers("response"), "ce-time": "2026-11-22T10:31:03Z"},
                       json.dumps({"error": "boom"}).encode())
    halves = pd.DataFrame([*join(req, None), *join(None, resp)])
    merged = merge_halves(halves)
    assert len(merged) == 2 and merged["_error"].tolist() == ["boom", "boom"]
    assert merged["has_request"].all() and merged["x"].tolist() == [1.0, 2.0]


def test_the_label_join_counts_error_rows_as_unserved(tmp_path):
    rows, _ = _post(tmp_path, (_headers("request"), {"instances": [{"x": 1.0}]}),
                    (_headers("response"), {"error": "boom"}))
    labels = pd.DataFrame({"request_id": ["call-1"], "label": [1],
                           "label_time": pd.to_datetime(["2026-11-23T00:00:00Z"])})
    result = join_labels(rows, labels)
    assert result.frame.empty and result.unserved == 1
