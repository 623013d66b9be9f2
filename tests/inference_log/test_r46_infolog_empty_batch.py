"""A call of no instance is kept in the log but read as no row (round 46).

A client that sends an empty batch, ``{"instances": []}`` or v2 tensors of shape ``[0, …]``, and a
server of one's own that answers it 200 with ``{"predictions": []}`` / ``{"outputs": []}`` (KServe's
agent logs the response of every HTTP 200: v0.20.0 ``pkg/logger/handler.go``): the join makes at
least one row per call (nothing acknowledged is dropped), and that row was ``instance`` 0 with
``has_request`` and ``has_response`` true and no feature or prediction. Every reader returned it:
one more served row in the monitor's counts, a row of null features among drift's requested rows,
and a label keyed by its ``request_id`` joined an empty prediction. Now the row is stored with
``instance`` -1 (no instance: the call itself), and ``read_log`` and the monitoring scan leave such
rows out, whichever day or replica wrote them; the Parquet files still hold them.
"""

from __future__ import annotations

import asyncio
import json

import pandas as pd
import pyarrow.dataset as ds
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
EMPTY_V2 = {"inputs": [{"name": "income", "shape": [0, 1], "datatype": "FP64", "data": []}]}


def _event(kind: str, call: str, body: dict, second: int = 1):
    headers = {
        **HEADERS,
        "ce-id": call,
        "ce-type": f"org.kubeflow.serving.inference.{kind}",
        "ce-time": f"2026-01-04T10:30:0{second}.{'1' if kind == 'request' else '3'}00Z",
    }
    return parse_event(headers, json.dumps(body).encode())


def _call(call: str, request: dict, response: dict, second: int = 1):
    return [_event("request", call, request, second), _event("response", call, response, second)]


CALLS = [
    *_call("empty-v1", {"instances": []}, {"predictions": []}, 1),
    *_call("empty-v2", EMPTY_V2, {"model_name": "credit", "outputs": []}, 2),
    *_call("served", {"instances": [{"income": 1.0}]}, {"predictions": [0.4]}, 3),
]


def _write(root, wal, per_sink: list[list]) -> None:
    async def scenario():
        sinks = [
            Sink(str(root), str(wal / str(i)), flush_rows=10**9, flush_seconds=10**6)
            for i in range(len(per_sink))
        ]
        for sink, events in zip(sinks, per_sink, strict=True):
            await sink.start()
            for event in events:
                await sink.accept(event)
        for sink in sinks:
            await sink.stop()

    asyncio.run(scenario())


def _read(root, how: str) -> pd.DataFrame:
    if how == "read_log":
        return reader.read_log(str(root), "credit", START, END)
    columns = None if how == "scan" else ["has_request", "has_response", "income", "prediction"]
    chunks = list(
        scan.scan_window(str(root), "credit", START, END, columns=columns, progress=False)
    )
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()


@pytest.mark.parametrize("replicas", [1, 2], ids=["one-sink", "halves-on-two-sinks"])
@pytest.mark.parametrize("how", ["read_log", "scan", "projected"])
def test_an_empty_batch_is_no_served_row(tmp_path, how, replicas):
    root = tmp_path / "log"
    if replicas == 1:
        _write(root, tmp_path / "wal", [CALLS])
    else:  # the requests reached one replica, the responses another
        _write(root, tmp_path / "wal", [CALLS[0::2], CALLS[1::2]])
    rows = _read(root, how)
    assert rows["request_id"].tolist() == ["served"]
    assert len(reader.served(rows)) == 1 and rows["prediction"].tolist() == [0.4]
    # kept in the log: the calls are in the files, each as the row of no instance
    stored = ds.dataset(
        str(root / "model=credit"), format="parquet", partitioning="hive"
    ).to_table()
    calls = stored.to_pandas().sort_values(["request_id", "has_request"])
    empty = calls[calls["request_id"].str.startswith("empty")]
    assert sorted(set(empty["request_id"])) == ["empty-v1", "empty-v2"]
    assert set(empty["instance"]) == {-1}


def test_a_response_without_instances_alone_is_no_served_row(tmp_path):
    """The response half of an empty batch whose request half is elsewhere (or never logged)."""
    root = tmp_path / "log"
    _write(root, tmp_path / "wal", [[CALLS[1], *CALLS[4:]]])
    assert reader.read_log(str(root), "credit", START, END)["request_id"].tolist() == ["served"]


def test_an_error_answering_an_empty_batch_is_no_row_either(tmp_path):
    root = tmp_path / "log"
    calls = _call("empty-error", {"instances": []}, {"error": "empty batch"})
    _write(root, tmp_path / "wal", [[*calls, *CALLS[4:]]])
    assert reader.read_log(str(root), "credit", START, END)["request_id"].tolist() == ["served"]


def test_a_body_of_no_batch_key_still_gives_its_row(tmp_path):
    """Only an explicit empty batch is a call of no instance: a request the join cannot split into
    instances (no ``instances``/``inputs``) still reads as one row, as before."""
    root = tmp_path / "log"
    _write(root, tmp_path / "wal", [[_event("request", "opaque", {"text": "hello"})]])
    rows = reader.read_log(str(root), "credit", START, END)
    assert rows["request_id"].tolist() == ["opaque"] and rows["instance"].tolist() == [0]
