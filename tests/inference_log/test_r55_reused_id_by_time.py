"""Round 55: two calls under one ``Ce-Id`` are paired by their ``ce-time`` where it leaves one answer.

What KServe v0.20.0's agent can send (``pkg/logger/handler.go``): ``getOrCreateID`` names both events
of a call by the client's ``Ce-Id`` header, else a new UUID, so only a client's own ``Ce-Id`` is ever
reused; the request event is stamped ``OccurrenceTime`` when the request arrives and the response
event (sent only for HTTP 200) when the model's answer has been read, by the one agent that logs
both; a pool of workers sends them (``worker.go``, one ``c.Send``, no retry), in any order.

Before, an id with two requests waiting paired nothing: sequential calls of a client that sends
one ``Ce-Id`` whose events merely arrived interleaved (request 1, request 2, response 1,
response 2) were four half rows, no prediction joined to its features; and a response stamped
before the one request waiting was paired with it (request 2, then response 1: call 1's
prediction on call 2's features). Now a response never answers a request stamped after it, and
when the id's events are written a response pairs with the one waiting request it can answer,
unless another response has that same one candidate (a request missing); counted in
``ctloop_log_time_paired_total``. Overlapping calls, a failed call retried under its id and equal
times stay halves as before: every row is kept either way."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.inference_log.support import kserve_headers, parquet_rows, sink_client

T = "2026-12-05T16:00:0{}.25Z"  # second 1..9 of one minute
CALLS = {  # name: (kind, second, body): call 1 answered 0.1 at second 2, call 2 asked at 3, answered 0.2 at 4
    "Q1": ("request", 1, {"instances": [{"x": 1.0}]}),
    "R1": ("response", 2, {"predictions": [0.1]}),
    "Q2": ("request", 3, {"instances": [{"x": 2.0}]}),
    "R2": ("response", 4, {"predictions": [0.2]}),
}


def _run(tmp_path, events, *, ttl_flush: bool = False):
    async def scenario():
        async with sink_client(tmp_path, join_ttl_seconds=0 if ttl_flush else 10**6) as (sink, c):
            for kind, second, body in events:
                headers = kserve_headers(kind, "session-7", T.format(second))
                answer = await c.post("/", headers=headers, content=json.dumps(body))
                assert answer.status_code == 200, answer.text
            # ttl_flush: the join_ttl path, not the shutdown one
            await sink.flush(final=not ttl_flush)
            metrics = (await c.get("/metrics")).text
        return metrics

    metrics = asyncio.run(scenario())
    return parquet_rows(tmp_path / "root"), metrics


@pytest.mark.parametrize(
    "order, ttl_flush",
    [
        ("Q1 Q2 R1 R2", False),  # was four halves
        ("Q1 Q2 R2 R1", True),  # was four halves
        ("Q2 R1 Q1 R2", False),  # was cross-paired: x=2 with 0.1, x=1 with 0.2
        ("Q2 Q1 R1 R2", True),
    ],
)
def test_sequential_calls_under_one_id_pair_by_time_whatever_order_their_events_arrive(
    tmp_path, order, ttl_flush
):
    rows, metrics = _run(tmp_path, [CALLS[name] for name in order.split()], ttl_flush=ttl_flush)
    assert len(rows) == 2 and (rows.has_request & rows.has_response).all(), rows
    assert rows.sort_values("x")[["x", "prediction", "time"]].values.tolist() == [
        [1.0, 0.1, T.format(1)],
        [2.0, 0.2, T.format(3)],
    ]
    assert "\nctloop_log_time_paired_total 2\n" in metrics


@pytest.mark.parametrize(
    "events",
    [
        # overlapping
        [("request", 1, 1.0), ("request", 2, 2.0), ("response", 3, 0.1), ("response", 4, 0.2)],
        # call 1 failed (no response), retried
        [("request", 1, 1.0), ("request", 3, 2.0), ("response", 4, 0.2)],
        # a request missing: which one?
        [("response", 3, 0.2), ("response", 2, 0.1), ("request", 1, 1.0)],
        [("request", 1, 1.0), ("request", 1, 2.0), ("response", 1, 0.1)],  # second-precision times
    ],
)
def test_what_times_cannot_tell_apart_stays_halves_every_row_kept(tmp_path, events):
    sent = [
        (kind, second, {"instances": [{"x": v}]} if kind == "request" else {"predictions": [v]})
        for kind, second, v in events
    ]
    rows, metrics = _run(tmp_path, sent)
    assert len(rows) == len(events) and not (rows.has_request & rows.has_response).any(), rows
    assert sorted(rows.x.dropna()) == sorted(v for k, _, v in events if k == "request")
    assert sorted(rows.prediction.dropna()) == sorted(v for k, _, v in events if k == "response")
    assert "\nctloop_log_time_paired_total 0\n" in metrics
