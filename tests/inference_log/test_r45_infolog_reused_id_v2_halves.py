"""Two v2 calls under one reused ``Ce-Id`` whose halves two sink replicas wrote are read as the two
calls one replica writes (round 45).

KServe's agent names both events of a call by the client's ``Ce-Id`` (``getOrCreateID``,
``pkg/logger/handler.go`` v0.20.0), so a client that sends one ``Ce-Id`` for several calls (a
session id) gives several calls one ``request_id``. For v2 bodies the Open Inference Protocol's
own ``id`` tells them apart (the response must return it: kserve ``docs/predict-api/v2``), and one
sink replica pairs each response with the request of its body ``id`` (round 42): two complete rows.
Two replicas (no session affinity: the requests reached one, the responses the other) each wrote
half rows, and the readers stitched halves only when the ``request_id`` had one request and one
response: all four stayed halves, two requests counted unanswered and two predictions without
features, served. Now the readers pair such halves by ``meta_inference_id`` too, as the sink does,
when every half of the id carries one; ``read_log`` and the monitoring scan alike.
"""

from __future__ import annotations

import asyncio
import json

import pandas as pd
import pytest

from ctloop.inference_log import reader, scan
from ctloop.inference_log.events import parse_event
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import KSERVE_HEADERS

# binary mode as KServe v0.20.0's agent sends it (support.KSERVE_HEADERS) under the client's own
# Ce-Id, sent with every call
HEADERS = {**KSERVE_HEADERS, "ce-id": "session-7"}
START, END = pd.Timestamp("2026-01-04T10:00:00Z"), pd.Timestamp("2026-01-04T11:00:00Z")


def _event(kind: str, time: str, body: dict):
    headers = {**HEADERS, "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-time": time}
    return parse_event(headers, json.dumps(body).encode())


def _call(body_id: str, income: float, score: float, second: int):
    request = {
        "id": body_id,
        "inputs": [{"name": "income", "shape": [1], "datatype": "FP64", "data": [income]}],
    }
    response = {
        "id": body_id,
        "model_name": "credit",
        "outputs": [{"name": "score", "shape": [1], "datatype": "FP64", "data": [score]}],
    }
    return (
        _event("request", f"2026-01-04T10:30:0{second}.100Z", request),
        _event("response", f"2026-01-04T10:30:0{second}.300Z", response),
    )


CALLS = [_call("loan-1", 1000.0, 0.1, 1), _call("loan-2", 2000.0, 0.2, 2)]


def _write(root, wal, events_per_sink: list[list]) -> None:
    async def scenario():
        sinks = [
            Sink(
                str(root),
                str(wal / str(i)),
                flush_rows=10**9,
                flush_seconds=10**6,
                join_ttl_seconds=0.0,
            )
            for i in range(len(events_per_sink))
        ]
        for sink, events in zip(sinks, events_per_sink, strict=True):
            await sink.start()
            for event in events:
                await sink.accept(event)
        for sink in sinks:
            await sink.stop()

    asyncio.run(scenario())


def _read(root, how: str) -> pd.DataFrame:
    if how == "read_log":
        frame = reader.read_log(str(root), "credit", START, END)
    else:  # "projected": the columns a monitor asks for (monitoring.window), the key and time come along
        columns = (
            None if how == "scan" else ["has_request", "has_response", "income", "prediction_score"]
        )
        chunks = scan.scan_window(str(root), "credit", START, END, columns=columns, progress=False)
        frame = pd.concat(list(chunks), ignore_index=True)
    return frame.sort_values("time").reset_index(drop=True)


@pytest.mark.parametrize("how", ["read_log", "scan", "projected"])
def test_two_replicas_read_as_one_replica_writes(tmp_path, how):
    one, two = tmp_path / "one", tmp_path / "two"
    (r1, s1), (r2, s2) = CALLS
    _write(one, tmp_path / "wal-one", [[r1, r2, s2, s1]])  # one replica: the responses in any order
    _write(
        two, tmp_path / "wal-two", [[r1, r2], [s2, s1]]
    )  # requests to one replica, responses to the other
    for root in (one, two):
        rows = _read(root, how)
        if how != "projected":
            assert rows["meta_inference_id"].tolist() == ["loan-1", "loan-2"]
        assert rows["income"].tolist() == [1000.0, 2000.0]
        assert rows["prediction_score"].tolist() == [0.1, 0.2]
        assert rows["request_id"].tolist() == ["session-7", "session-7"]
        assert rows["has_request"].all() and rows["has_response"].all()
        assert rows["time"].tolist() == ["2026-01-04T10:30:01.1Z", "2026-01-04T10:30:02.1Z"]  # sent .100Z
        assert len(reader.served(rows)) == 2


@pytest.mark.parametrize("how", ["read_log", "scan"])
def test_halves_of_one_body_id_stay_apart(tmp_path, how):
    # two calls that reused the Ce-Id *and* the v2 id: which response answers which request is
    # unknown, to the sink as to the reader: four halves, as before
    (r1, s1), (r2, s2) = _call("loan-1", 1000.0, 0.1, 1), _call("loan-1", 2000.0, 0.2, 2)
    _write(tmp_path / "log", tmp_path / "wal", [[r1, r2], [s2, s1]])
    rows = _read(tmp_path / "log", how)
    assert len(rows) == 4 and not (rows["has_request"] & rows["has_response"]).any()
