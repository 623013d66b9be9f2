"""Second review of the reused-``Ce-Id`` time pairing (merge d050c383): above 1,024 request ×
response events of one ce-id that needed the general rule, ``_pair_by_time`` paired nothing,
even where the Open Inference Protocol body ids alone settle every pair.

- One ``Ce-Id``, no ``ce-time`` (the sink stamps arrival), v2 bodies with ids ``call-i``: calls 0
  and 1 overlapped, 31 more in sequence: 66 half rows on main (33 complete rows before the cap).
- Every event stamped by the agent, body ids on some requests only (KServe v0.20's v2 server
  answers a request without an id with a new uuid, ``python/kserve/kserve/protocol/dataplane.py``
  ``infer``): 0 pairs for 33 and for 300 calls on main.

Now body ids split the events whenever every event has one, whatever the times, and the general
rule compares each request and response once, within a budget of comparisons
(``sink._PAIR_BUDGET``) instead of a cap on the product.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random

from ctloop.inference_log import sink as sink_module
from ctloop.inference_log.sink import Sink, _pair_by_time
from tests.inference_log.support import KSERVE_HEADERS, parquet_rows, sink_client
from tests.inference_log.test_r55_inflog_review import _event, _round_by_round


def _calls(pairs, requests, responses):
    where = {id(e): i for side in (requests, responses) for i, e in enumerate(side)}
    return sorted((where[id(q)], where[id(r)]) for q, r in pairs)


def _count_answers(monkeypatch):
    """Counts the comparisons ``sink._answers`` makes from now on: ``calls()`` the count so far."""
    original, count = sink_module._answers, [0]

    def counted(asked, answered):
        count[0] += 1
        return original(asked, answered)

    monkeypatch.setattr(sink_module, "_answers", counted)
    return lambda: count[0]


def test_v2_calls_without_ce_time_pair_by_their_body_ids_past_32_calls(tmp_path):
    n = 33

    async def scenario():
        async with sink_client(tmp_path) as (sink, c):

            async def post(kind, i):
                headers = {
                    **KSERVE_HEADERS,
                    "ce-id": "session-7",  # no ce-time: the sink stamps arrival
                    "ce-type": f"org.kubeflow.serving.inference.{kind}",
                }
                tensor = {"name": "x", "shape": [1], "datatype": "FP64", "data": [float(i)]}
                body = {"id": f"call-{i}", ("inputs" if kind == "request" else "outputs"): [tensor]}
                answer = await c.post("/", headers=headers, content=json.dumps(body))
                assert answer.status_code == 200, answer.text

            for kind, i in [("request", 0), ("request", 1), ("response", 0), ("response", 1)]:
                await post(kind, i)
            for i in range(2, n):
                await post("request", i)
                await post("response", i)
            await sink.flush(final=True)
        return sink.stats.time_paired

    assert asyncio.run(scenario()) == n
    rows = parquet_rows(tmp_path / "root")
    assert len(rows) == n and (rows.has_request & rows.has_response).all(), rows


def test_stamped_calls_with_body_ids_on_some_requests_only_pair_past_the_old_cap():
    for n in (33, 300):
        # every other request names its v2 body id; the server echoes it, else makes up a uuid
        requests = [_event("request", 10 * i, f"c{i}" if i % 2 else None) for i in range(n)]
        responses = [
            _event("response", 10 * i + 5, f"c{i}" if i % 2 else f"uuid-{i}") for i in range(n)
        ]
        call = {id(e): i for side in (requests, responses) for i, e in enumerate(side)}
        random.Random(n).shuffle(responses)  # arrival order is any order
        pairs = _pair_by_time(requests, responses)
        assert sorted((call[id(q)], call[id(r)]) for q, r in pairs) == [(i, i) for i in range(n)]


def test_the_general_rule_compares_each_request_and_response_once(monkeypatch):
    # 128 sequential calls and one response without the agent's time: the round-by-round rule
    # compared every waiting pair again in each of 128 rounds (about n³/3 comparisons; main: 0
    # pairs, the product above its 1,024 cap)
    n = 128
    requests = [_event("request", 10 * i) for i in range(n)]
    responses = [_event("response", 10 * i + 5) for i in range(n)][::-1]
    responses.append(_event("response", 1, stamped=False))
    calls = _count_answers(monkeypatch)
    pairs = _pair_by_time(requests, responses)
    assert calls() == n * (n + 1)
    call = {id(e): i for side in (requests, responses) for i, e in enumerate(side)}
    # call i's response is request i's one candidate once calls before it paired; the response
    # without a time can answer any request, so the last request has two: a half
    assert sorted((call[id(q)], n - 1 - call[id(r)]) for q, r in pairs) == [
        (i, i) for i in range(n - 1)
    ]


def test_a_ce_id_beyond_the_budget_stays_halves_without_comparing(monkeypatch):
    n = 40
    requests = [_event("request", 10 * i, f"c{i}" if i % 2 else None) for i in range(n)]
    responses = [
        _event("response", 10 * i + 5, f"c{i}" if i % 2 else f"uuid-{i}") for i in range(n)
    ]
    calls = _count_answers(monkeypatch)
    cost = sink_module._pair_cost(n, n)  # n × n comparisons and each event's own share
    assert cost == n * n + sink_module._PAIR_EVENT_COST * 2 * n
    monkeypatch.setattr(sink_module, "_PAIR_BUDGET", cost - 1)
    assert _pair_by_time(requests, responses) == [] and calls() == 0
    monkeypatch.setattr(sink_module, "_PAIR_BUDGET", cost)
    assert len(_pair_by_time(requests, responses)) == n and calls() == n * n
    # ids on every event: each id's events within the budget left, the rest halves
    requests = [_event("request", 10 * i, "a" if i < 3 else "b", stamped=i != 0) for i in range(6)]
    responses = [
        _event("response", 10 * i + 5, "a" if i < 3 else "b", stamped=i != 5) for i in range(6)
    ]
    three = sink_module._pair_cost(3, 3)
    monkeypatch.setattr(sink_module, "_PAIR_BUDGET", three)
    assert _calls(_pair_by_time(requests, responses), requests, responses) == [
        (0, 0),
        (1, 1),
        (2, 2),
    ]
    monkeypatch.setattr(sink_module, "_PAIR_BUDGET", 2 * three)
    assert len(_pair_by_time(requests, responses)) == 6


def test_one_flush_shares_one_budget_over_every_reused_id(monkeypatch, tmp_path):
    """Review of the second fix: each ce-id had its own budget, so a flush pairing five busy reused
    ids blocked the event loop five budgets long (1.3 s). The budget is the flush's: two ids whose
    general rule each fits alone, but not together, leave the second as halves."""
    n = 20

    def calls(tag):
        requests = [_event("request", 10 * i, f"{tag}{i}" if i % 2 else None) for i in range(n)]
        responses = [_event("response", 10 * i + 5, f"{tag}{i}" if i % 2 else f"u{tag}{i}") for i in range(n)]
        return requests, responses

    one = sink_module._pair_cost(n, n)
    budget = [one + one // 2]
    assert len(_pair_by_time(*calls("a"), budget)) == n and budget == [one // 2]
    assert _pair_by_time(*calls("b"), budget) == [] and budget == [one // 2]
    # a flush pairs every due id from that one budget: the second id's events stay halves
    monkeypatch.setattr(sink_module, "_PAIR_BUDGET", one + one // 2)

    async def scenario(tmp):
        sink = Sink(str(tmp / "root"), str(tmp / "wal"), flush_rows=10**9, flush_seconds=10**6,
                    join_ttl_seconds=10**6)
        await sink.start()
        for tag in ("a", "b"):
            for events in calls(tag):  # every request, then every response: an ambiguous id
                for event in events:
                    await sink.submit(dataclasses.replace(event, id=f"session-{tag}"))
        await sink.flush(final=True)
        await sink.stop()
        return sink.stats.time_paired

    assert asyncio.run(scenario(tmp_path)) == n
    rows = parquet_rows(tmp_path / "root")
    complete = rows[rows.has_request & rows.has_response]
    assert len(complete) == n and len(rows) == n + 2 * n


def test_events_that_all_carry_body_ids_pair_as_the_round_by_round_rule_whatever_their_times():
    rng = random.Random(552)
    for _ in range(300):
        events = {
            kind: [
                _event(
                    kind, 1000 * rng.randint(0, 5), rng.choice("abc"), stamped=rng.random() < 0.6
                )
                for _ in range(rng.randint(1, 6))
            ]
            for kind in ("request", "response")
        }
        expected = {
            (id(q), id(r)) for q, r in _round_by_round(events["request"], events["response"])
        }
        got = {(id(q), id(r)) for q, r in _pair_by_time(events["request"], events["response"])}
        assert got == expected, [
            (e.kind, e.time, e.stamped, e.body["id"]) for k in events for e in events[k]
        ]
