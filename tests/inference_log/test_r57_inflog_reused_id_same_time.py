"""Two calls under one ``Ce-Id`` stamped with one time are two calls for the readers too (round 57).

KServe v0.20.0's agent keeps a client's ``Ce-Id`` (``pkg/logger/handler.go``), so two calls may
share one; the sink keeps both (a pair each when they come one after the other, four halves when
interleaved). Their ``ce-time`` is one when the producer stamps whole seconds (or, rarely, one
nanosecond). The readers took rows of one key, kind and time for copies of one event (a WAL
replayed, an event delivered twice) and kept the last: read_log returned the second call alone,
the first call's features and prediction dropped, and for the interleaved halves paired a request
with a response the sink had refused to pair. Now only rows whose features and predictions agree
too are copies; halves left twice under one key, kind and time stay as written.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pandas as pd
import pytest

from ctloop.inference_log import reader, scan
from ctloop.inference_log.app import create_app
from tests.inference_log.support import kserve_headers, parquet_rows, told_sink

TIME = "2026-11-22T10:31:02Z"  # one second-precision stamp for both calls
START, END = pd.Timestamp("2026-11-22T10:00:00Z"), pd.Timestamp("2026-11-22T11:00:00Z")
CALLS = [
    ("request", {"instances": [{"x": 1.0}]}),
    ("response", {"predictions": [0.1]}),
    ("request", {"instances": [{"x": 2.0}]}),
    ("response", {"predictions": [0.2]}),
]


def _log(tmp_path, order: list[int], copies: int = 1):
    async def scenario():
        sink = told_sink(tmp_path)
        await sink.start()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s"
        ) as c:
            for i in order:
                kind, body = CALLS[i]
                answer = await c.post(
                    "/", headers=kserve_headers(kind, "same-id", TIME), content=json.dumps(body)
                )
                assert answer.status_code == 200, answer.text
        await sink.stop()

    asyncio.run(scenario())
    root = tmp_path / "root"
    for copy in range(1, copies):  # the same files written again (a WAL replayed after a crash)
        for part in list(root.rglob("part-*.parquet")):
            (part.parent / f"copy{copy}-{part.name}").write_bytes(part.read_bytes())
    return root


def _read(root, how):
    if how == "read_log":
        return reader.read_log(str(root), "credit", START, END)
    return pd.concat(
        list(scan.scan_window(str(root), "credit", START, END, progress=False)), ignore_index=True
    )


@pytest.mark.parametrize("how", ["read_log", "scan"])
def test_two_calls_one_after_the_other_are_two_rows(tmp_path, how):
    root = _log(tmp_path, [0, 1, 2, 3], copies=2)
    assert len(parquet_rows(root)) == 4  # both calls, each stored twice
    rows = _read(root, how).sort_values("x")
    assert rows[["x", "prediction"]].values.tolist() == [
        [1.0, 0.1],
        [2.0, 0.2],
    ]  # before: [[2.0, 0.2]]


@pytest.mark.parametrize("how", ["read_log", "scan"])
def test_interleaved_calls_stay_the_halves_the_sink_wrote(tmp_path, how):
    root = _log(tmp_path, [0, 2, 1, 3], copies=2)
    stored = parquet_rows(root)
    # halves (the sink could not pair them), stored twice
    assert len(stored) == 8 and not (stored.has_request & stored.has_response).any()
    rows = _read(root, how)
    assert len(rows) == 4, rows  # each half once
    assert sorted(rows["x"].dropna()) == [1.0, 2.0]
    assert sorted(rows["prediction"].dropna()) == [0.1, 0.2]
    # before: one row, x 2.0 paired with 0.2
    assert not (rows.has_request & rows.has_response).any()
