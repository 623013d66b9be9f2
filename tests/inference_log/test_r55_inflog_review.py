"""Round 55 review of the reused-``Ce-Id`` time pairing (merge aff76892), items 1 and 3 (item 2:
test_r55_times_read_as_instants.py).

1. ``_pair_by_time`` ran round by round, every waiting response against every request, the time
   key parsed again on each look: cubic. Sequential calls under one fixed ``Ce-Id``: 100 calls 1 s,
   400 calls 63 s inside ``flush`` on the event loop (no POST answered meanwhile, and KServe's agent
   sends each event once). Counted here by the calls to ``time_order`` (no wall time in the suite;
   benchmarks/bench_r55_pair_by_time.py measures it); the pairs must stay those of the round-by-round
   rule (kept below as the reference).
3. A response "stamped before" its request was refused as its answer even when a time was the
   sink's arrival time (no ``ce-time``: optional in CloudEvents 1.0.2) or another producer's
   clock: a response arriving 10 ms before its request became two half rows. Only two times
   KServe's agent stamped (v0.20.0 ``pkg/logger/handler.go``: the request when it arrives, the
   response after the model answered, one agent) are compared now (``Event.stamped``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random

from ctloop.inference_log import sink as sink_module
from ctloop.inference_log.events import Event, parse_event
from ctloop.inference_log.sink import _may_answer, _pair_by_time
from tests.inference_log.support import KSERVE_HEADERS, kserve_headers, parquet_rows, sink_client


def _at(ms: int) -> str:
    return f"2026-12-05T16:{ms // 60000:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}Z"


def _event(kind: str, ms: int, body_id: str | None = None, stamped: bool = True) -> Event:
    if body_id is None:
        body = {"instances": [[1]]} if kind == "request" else {"predictions": [1]}
    else:
        tensor = {"name": "x", "shape": [1], "datatype": "FP64", "data": [1.0]}
        body = {"id": body_id, ("inputs" if kind == "request" else "outputs"): [tensor]}
    event = parse_event(kserve_headers(kind, "session-7", _at(ms)), json.dumps(body).encode())
    return event if stamped else dataclasses.replace(event, stamped=False)


def _round_by_round(requests, responses):
    """The rule as merged in aff76892 (each response against every request, round after round)."""
    requests, responses, pairs = list(requests), list(responses), []
    while True:
        sole = {}
        for response in responses:
            can = [r for r in requests if _may_answer(r, response)]
            if len(can) == 1:
                sole.setdefault(id(can[0]), []).append(response)
        found = [(q, sole[id(q)][0]) for q in requests if len(sole.get(id(q), ())) == 1]
        if not found:
            return pairs
        for q, r in found:
            requests.remove(q)
            responses.remove(r)
            pairs.append((q, r))


def test_sequential_calls_under_one_id_pair_with_each_time_read_once(monkeypatch):
    n = 300
    requests = [_event("request", 10 * i) for i in range(n)]
    responses = [_event("response", 10 * i + 5) for i in range(n)]
    where = {id(e): i for side in (requests, responses) for i, e in enumerate(side)}  # call i's
    random.Random(7).shuffle(responses)  # arrival order is any order
    calls = 0
    original = sink_module.time_order

    def counted(stored):
        nonlocal calls
        calls += 1
        assert calls <= 2 * n, (
            "time_order called more than once per event"
        )  # fails fast on the cubic rule
        return original(stored)

    monkeypatch.setattr(sink_module, "time_order", counted)
    pairs = _pair_by_time(requests, responses)
    assert calls == 2 * n
    assert sorted((where[id(q)], where[id(r)]) for q, r in pairs) == [(i, i) for i in range(n)]


def test_v2_calls_whose_answers_carry_made_up_ids_pair_in_one_sweep(monkeypatch):
    # KServe's v2 server answers a request without a body id with a new uuid: ids rule nothing out
    requests = [_event("request", 10 * i) for i in range(200)]
    responses = [_event("response", 10 * i + 5, body_id=f"uuid-{i}") for i in range(200)]
    monkeypatch.setattr(sink_module, "_pair_rounds", None)  # the round-by-round rule is not needed
    assert len(_pair_by_time(requests, responses)) == 200


def test_same_pairs_as_the_round_by_round_rule():
    rng = random.Random(55)
    for _ in range(400):
        events = {"request": [], "response": []}
        for kind in events:
            for _ in range(rng.randint(0, 5)):
                named = rng.random() < 0.3
                events[kind].append(
                    _event(
                        kind,
                        1000 * rng.randint(0, 6),
                        body_id=rng.choice("ab") if named else None,
                        stamped=rng.random() < 0.85,
                    )
                )
        expected = {
            (id(q), id(r)) for q, r in _round_by_round(events["request"], events["response"])
        }
        got = {(id(q), id(r)) for q, r in _pair_by_time(events["request"], events["response"])}
        assert got == expected, [
            (e.kind, e.time, e.stamped, e.body.get("id")) for k in events for e in events[k]
        ]


def test_times_that_are_not_the_agents_stamps_do_not_order_a_call(tmp_path):
    producer = {k: v for k, v in KSERVE_HEADERS.items() if k not in ("ce-endpoint", "ce-metadata")}
    calls = {
        # no ce-time (the sink stamps arrival): the response arrives 10 ms before its request
        "no-time": [("response", None, KSERVE_HEADERS), ("request", None, KSERVE_HEADERS)],
        # the agent's time on the request, none on the response (the sink's clock, behind it)
        "one-time": [
            ("request", "2999-01-01T00:00:00Z", KSERVE_HEADERS),
            ("response", None, KSERVE_HEADERS),
        ],
        # another producer (not the agent's attributes): its clocks tell nothing of the order
        "producer": [
            ("response", "2026-12-05T16:00:01Z", producer),
            ("request", "2026-12-05T16:00:02Z", producer),
        ],
    }

    async def scenario():
        async with sink_client(tmp_path) as (sink, c):
            for call, events in calls.items():
                for kind, at, base in events:
                    headers = {
                        **base,
                        "ce-id": call,
                        "ce-type": f"org.kubeflow.serving.inference.{kind}",
                        **({"ce-time": at} if at else {}),
                    }
                    body = (
                        {"instances": [{"x": 1.0}]} if kind == "request" else {"predictions": [0.5]}
                    )
                    answer = await c.post("/", headers=headers, content=json.dumps(body))
                    assert answer.status_code == 200, answer.text
                    await asyncio.sleep(0.01)
            await sink.flush(final=True)

    asyncio.run(scenario())
    rows = parquet_rows(tmp_path / "root")
    assert sorted(rows.request_id) == sorted(calls), rows
    assert (rows.has_request & rows.has_response).all(), rows


def test_the_stamp_flag_survives_the_wal_and_older_lines_read_unstamped():
    stamped = _event("request", 0)
    assert Event.from_json(stamped.to_wal()).stamped is True
    line = json.loads(stamped.to_wal())
    del line["stamped"]  # a line a sink before the flag wrote: its time may be the arrival time
    assert Event.from_json(json.dumps(line)).stamped is False
    structured = parse_event(
        {"content-type": "application/cloudevents+json"},
        json.dumps(
            {
                "specversion": "1.0",
                "id": "s1",
                "type": "org.kubeflow.serving.inference.request",
                "source": "x",
                "inferenceservicename": "credit",
                "namespace": "ns",
                "component": "predictor",
                "endpoint": "",
                "metadata": "{}",
                "time": "2026-12-05T16:00:01Z",
                "data": {"instances": [[1]]},
            }
        ).encode(),
    )
    assert structured.stamped is False  # KServe's agent sends binary mode only
