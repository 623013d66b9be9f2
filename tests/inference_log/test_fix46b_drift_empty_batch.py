"""``ctloop drift --current <inference log>`` counts no call of no instance (review r46 B #3).

Round 46 stores an empty batch (``{"instances": []}`` answered ``{"predictions": []}``) as one row
of ``instance`` -1 that ``read_log`` and the monitoring scan leave out; but ``ctloop drift`` reads
the log's Parquet as a table, so both engines counted such rows as current rows of null features
(45 rows for 40 served). Now both leave them out
(:func:`ctloop.inference_log.reader.drop_no_instance`, ``no_instance_filter``); the files keep them.
"""

from __future__ import annotations

import asyncio
import json

import pyarrow.dataset as ds
import pytest

from ctloop.cli import main
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


def _call(call: str, request: dict, response: dict):
    def event(kind, body):
        headers = {**HEADERS, "ce-id": call, "ce-type": f"org.kubeflow.serving.inference.{kind}",
                   "ce-time": f"2026-01-04T10:30:01.{'1' if kind == 'request' else '3'}00Z"}  # fmt: skip
        return parse_event(headers, json.dumps(body).encode())

    return [event("request", request), event("response", response)]


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    """40 served calls and 5 empty batches, written by a sink; a reference of the 40 incomes."""
    where = tmp_path_factory.mktemp("fix46b-drift")
    calls = [
        e
        for i in range(40)
        for e in _call(f"s{i}", {"instances": [{"income": float(i)}]}, {"predictions": [0.5]})
    ]
    calls += [e for i in range(5) for e in _call(f"e{i}", {"instances": []}, {"predictions": []})]

    async def write():
        sink = Sink(str(where / "log"), str(where / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        for event in calls:
            await sink.accept(event)
        await sink.stop()

    asyncio.run(write())
    (where / "ref.csv").write_text("income\n" + "".join(f"{float(i)}\n" for i in range(40)))
    return where


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_drift_reads_no_row_of_an_empty_batch(log, engine, capsys):
    stored = ds.dataset(
        str(log / "log" / "model=credit"), format="parquet", partitioning="hive"
    ).to_table()
    assert stored.num_rows == 45  # kept in the log
    code = main(["drift", "--reference", str(log / "ref.csv"), "--current", str(log / "log"),
                 "--engine", engine, "--no-report", "--quiet"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert f"current {log / 'log'}: 40 rows" in out, out  # before: 45 rows (5 of null features)
