"""A JSON integer beyond 64 bits in an inference body (valid JSON, RFC 8259 §6; Python's json,
KServe's Python server and Go's json.Number pass it on) in a body orjson does not parse (one that
also holds NaN/Infinity, or an integer beyond a double: the sink reads it with Python's json,
which keeps the integer) was acknowledged (200), then its join failed on orjson's "Integer exceeds
64-bit range": the pair went to _quarantine with a traceback in the log, and `ctloop logger
requeue` failed the same way: acknowledged rows never reached the log. docs/inference-log.md:
numbers are `double` ("integers above 2^53 lose precision"). Such an integer is now stored as that
double (beyond a double's range: null, as Infinity is)."""

from __future__ import annotations

import json
import time

import httpx

from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.support import parquet_rows

BIG = 12345678901234567890123  # beyond uint64


def _headers(cid: str, kind: str) -> dict[str, str]:
    return {"ce-id": cid, "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit", "ce-namespace": "ns",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}", "ce-time": "2026-12-05T10:31:02Z"}


PAIRS = {
    "v1": ({"instances": [{"amount": BIG, "ids": [BIG, 1], "small": 2, "gap": float("nan")}]},
           {"predictions": [BIG]}),
    "v2": ({"inputs": [{"name": "count", "shape": [1], "datatype": "INT64", "data": [-BIG]},
                       {"name": "rate", "shape": [1], "datatype": "FP64", "data": [float("inf")]}]},
           {"outputs": [{"name": "score", "shape": [1], "datatype": "FP64", "data": [0.5]}]}),
    "huge": ({"instances": [{"amount": 10 ** 400, "small": 3}]}, {"predictions": [0]}),
}


def test_integers_beyond_64_bits_are_written_not_quarantined(tmp_path):
    proc, url = start_sink(tmp_path, flush_seconds=0.2)
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            for cid, (request, response) in PAIRS.items():
                for kind, body in (("request", request), ("response", response)):
                    answer = client.post("/", headers=_headers(cid, kind), content=json.dumps(body).encode())
                    assert answer.status_code == 200, answer.text
            written = 0
            for _ in range(100):
                metrics = client.get("/metrics").text
                written = int(next(line.split()[1] for line in metrics.splitlines()
                                   if line.startswith("ctloop_log_rows_written_total")))
                if written == 3:
                    break
                time.sleep(0.1)
    finally:
        stop_group(proc)
    assert not list((tmp_path / "root").glob("_quarantine/**/*.jsonl"))
    rows = parquet_rows(tmp_path / "root").set_index("request_id")
    assert written == 3 and sorted(rows.index) == ["huge", "v1", "v2"]
    assert rows.loc["v1", "amount"] == float(BIG) and rows.loc["v1", "prediction"] == float(BIG)
    assert json.loads(rows.loc["v1", "ids"]) == [float(BIG), 1]  # JSON text: the double, as in a number column
    assert rows.loc["v2", "count"] == -float(BIG) and rows.isna().loc["v2", "rate"]
    assert rows.loc["huge", "small"] == 3 and rows.isna().loc["huge", "amount"]
