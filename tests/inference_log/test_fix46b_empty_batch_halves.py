"""An error answering an empty batch reads alike from one sink or two (review r46 B #2).

A call of no instance (an empty batch) is stored as one row of ``instance`` -1 that the readers
leave out. When its request and response reach two sink replicas, each writes a half; an error
answer alone (``{"error": ...}``) says nothing of the batch, so its half was row 0, while the
request half was -1: ``read_log`` and the monitoring scan dropped the -1 half before merging
halves, leaving the response half as an orphan row (one sink: no row). Now the rows of no instance
are left out only once halves are merged, and the two halves of such a call are paired as the one
row one replica writes: -1 (no row) for an empty batch answered by an error, or by a prediction
(one replica refuses that pair as a mismatch and writes the request's row alone). Every reader
returns the same rows whichever replicas wrote the halves, also across midnight (the request
half in the day before the read).
"""

from __future__ import annotations

import asyncio
import json

import pandas as pd
import pytest

from ctloop.inference_log import reader, scan
from ctloop.inference_log.events import parse_event
from ctloop.inference_log.sink import Sink

HEADERS = {  # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go)
    "ce-specversion": "1.0",
    "ce-source": "http://localhost:9081/",
    "ce-inferenceservicename": "credit",
    "ce-namespace": "ns",
    "ce-component": "predictor",
    "ce-endpoint": "",
    "content-type": "application/json",
}
START, END = pd.Timestamp("2026-01-04T10:00:00Z"), pd.Timestamp("2026-01-04T11:00:00Z")
COLUMNS = ["request_id", "instance", "has_request", "has_response", "prediction", "_error"]


def _event(kind: str, call: str, body: dict, time: str):
    headers = {
        **HEADERS,
        "ce-id": call,
        "ce-type": f"org.kubeflow.serving.inference.{kind}",
        "ce-time": time,
    }
    return parse_event(headers, json.dumps(body).encode())


def _call(call: str, request: dict, response: dict, second: int = 1):
    return [
        _event("request", call, request, f"2026-01-04T10:30:{second:02d}.100Z"),
        _event("response", call, response, f"2026-01-04T10:30:{second:02d}.300Z"),
    ]


CALLS = [
    *_call("empty-error", {"instances": []}, {"error": "empty batch"}, 1),
    *_call("empty-predicted", {"instances": []}, {"predictions": [0.5]}, 2),
    *_call("served", {"instances": [{"income": 1.0}]}, {"predictions": [0.4]}, 3),
    *_call("failed", {"instances": [{"income": 2.0}, {"income": 3.0}]}, {"error": "boom"}, 4),
    # a custom predictor's answer to an empty batch (no batch key): one replica joins the call as
    # row 0 (events._no_instance is False for that pair), so must two (review r46 2B #1)
    *_call("empty-other", {"instances": []}, {"result": "x"}, 5),
    *_call("empty-none", {"instances": []}, {"predictions": []}, 6),
    *_call("empty-predicted-2", {"instances": []}, {"predictions": [0.5, 0.7]}, 7),
    *_call("failed-one", {"instances": [{"income": 3.0}]}, {"error": "boom"}, 8),
    *_call("unanswered-one", {"instances": [{"income": 3.0}]}, {"predictions": []}, 9),
    *_call("short", {"instances": [{"income": 3.0}, {"income": 4.0}]}, {"predictions": [0.1]}, 10),
    *_call("no-batch-key", {"data": 1}, {"predictions": [0.5]}, 11),
]


# the monitoring scan's projections: with the answers' columns, and (a drift read) features only,
# whose merge still reads them (scan.merge_columns) without returning them
PROJECTIONS = {
    "projected": ["has_request", "has_response", "prediction", "_error"],
    "features": ["has_request", "has_response", "income"],
}


def _write(root, wal, per_sink: list[list]) -> None:
    async def scenario():
        for i, events in enumerate(per_sink):
            sink = Sink(str(root), str(wal / str(i)), flush_rows=10**9, flush_seconds=10**6)
            await sink.start()
            for event in events:
                await sink.accept(event)
            await sink.stop()

    asyncio.run(scenario())


def _read(root, how: str, start=START, end=END) -> pd.DataFrame:
    if how == "read_log":
        rows = reader.read_log(str(root), "credit", start, end)
    else:
        columns = PROJECTIONS.get(how)
        chunks = list(
            scan.scan_window(str(root), "credit", start, end, columns=columns, progress=False)
        )
        rows = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=COLUMNS)
    rows = (
        rows.reindex(columns=COLUMNS).sort_values(["request_id", "instance"]).reset_index(drop=True)
    )
    return rows.astype({"instance": "int64", "has_request": bool, "has_response": bool})


@pytest.mark.parametrize("how", ["read_log", "scan", "projected", "features"])
def test_one_sink_and_two_sinks_read_alike(tmp_path, how):
    _write(tmp_path / "one", tmp_path / "wal-one", [CALLS])
    _write(
        tmp_path / "two", tmp_path / "wal-two", [CALLS[0::2], CALLS[1::2]]
    )  # requests | responses
    one, two = _read(tmp_path / "one", how), _read(tmp_path / "two", how)
    # before: two sinks read an orphan row 'empty-error' (instance 0, response only)
    # before: two sinks read an orphan row 'empty-error' (instance 0, response only), and none of
    # 'empty-other' (its answer put under instance -1 with the request)
    pd.testing.assert_frame_equal(one, two)
    assert two["request_id"].tolist() == [
        "empty-other",
        "failed",
        "failed",
        "failed-one",
        "no-batch-key",
        "served",
        "short",
        "short",
        "unanswered-one",
    ], two
    if how != "features":  # every row of a failed call marked
        failed = two["request_id"].str.startswith("failed")
        assert two["_error"].notna().tolist() == failed.tolist()


@pytest.mark.parametrize("how", ["read_log", "scan", "projected"])
def test_an_error_answering_an_empty_batch_across_midnight_is_no_row(tmp_path, how):
    """The request half in the day before the read (one replica), the error half after midnight."""
    root = tmp_path / "log"
    late = [
        _event("request", "midnight", {"instances": []}, "2026-01-04T23:59:59.900Z"),
        _event("response", "midnight", {"error": "empty batch"}, "2026-01-05T00:00:00.100Z"),
    ]
    served = _event("request", "next", {"instances": [{"income": 1.0}]}, "2026-01-05T00:10:00.000Z")
    answer = _event("response", "next", {"predictions": [0.4]}, "2026-01-05T00:10:00.200Z")
    _write(root, tmp_path / "wal", [[late[0], served, answer], [late[1]]])
    after = _read(
        root, how, pd.Timestamp("2026-01-05T00:00:00Z"), pd.Timestamp("2026-01-05T01:00:00Z")
    )
    before = _read(
        root, how, pd.Timestamp("2026-01-04T23:00:00Z"), pd.Timestamp("2026-01-05T00:00:00Z")
    )
    assert after["request_id"].tolist() == ["next"]  # before: an orphan row 'midnight' too
    assert before.empty


def test_a_projection_gets_no_column_its_merge_read(tmp_path):
    """The answers' columns a features-only projection reads to merge halves are not returned."""
    _write(tmp_path / "two", tmp_path / "wal", [CALLS[0::2], CALLS[1::2]])
    chunks = list(
        scan.scan_window(
            str(tmp_path / "two"),
            "credit",
            START,
            END,
            columns=PROJECTIONS["features"],
            progress=False,
        )
    )
    returned = set().union(*(chunk.columns for chunk in chunks))
    assert {"has_response", "income"} <= returned
    assert not returned & {"prediction", "_error", "meta_inference_id"}, returned
