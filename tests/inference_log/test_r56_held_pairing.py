"""Round 56: a reused ``Ce-Id`` that is due but finds the flush's pairing budget
(``sink._PAIR_BUDGET``, round 55) spent by the ids before it was written as half rows at once, on
any flush, though the next flush (a fresh budget) pairs it. On main: three busy ids, each needing
two thirds of the budget, at a non-final flush: one id complete, two ids as ``4 n`` half rows.

Now such an id waits for the next flush, which pairs it first; a flush holds ids needing one
budget at most in all (so the next one can pair every id held), an id only once, and a final flush
holds nothing. The ids past that bound are halves, as before.
"""

from __future__ import annotations

import asyncio
import dataclasses

from ctloop.inference_log import sink as sink_module
from tests.inference_log.support import parquet_rows, told_sink, wal_events
from tests.inference_log.test_r55_inflog_review import _event

N = 12


def _calls(tag: str, n: int = N, first: int = 0):
    # every other request names a body id, the server makes one up for the rest (KServe v0.20.0
    # python/kserve/kserve/protocol/dataplane.py): only the general rule pairs them, at its cost
    calls = range(first, first + n)
    requests = [_event("request", 10 * i, f"{tag}{i}" if i % 2 else None) for i in calls]
    responses = [
        _event("response", 10 * i + 5, f"{tag}{i}" if i % 2 else f"u{tag}{i}") for i in calls
    ]
    return [dataclasses.replace(e, id=f"session-{tag}") for e in (*requests, *responses)]


def _complete(rows, tag):
    mine = rows[rows.request_id == f"session-{tag}"]
    return int((mine.has_request & mine.has_response).sum()), int(
        (~(mine.has_request & mine.has_response)).sum()
    )


def test_a_due_id_past_the_flush_budget_waits_for_the_next_flush(monkeypatch, tmp_path):
    one = sink_module._pair_cost(N, N)
    monkeypatch.setattr(sink_module, "_PAIR_BUDGET", one + one // 2)  # one id, and half of another

    async def scenario():
        # join_ttl 0: every waiting event is due at the first flush
        sink = told_sink(tmp_path, join_ttl_seconds=0)
        await sink.start()
        for tag in "abc":
            for event in _calls(tag):  # every request, then every response: an ambiguous id
                await sink.submit(event)
        await sink.flush()
        first = parquet_rows(tmp_path / "root")
        waiting = wal_events(tmp_path / "wal")
        await sink.flush()
        await sink.stop()
        return first, waiting, sink.stats.time_paired

    first, waiting, time_paired = asyncio.run(scenario())
    # a pairs; b needs more than the budget left but fits the hold: kept, in the new WAL segment;
    # c would take the hold past one budget: halves, as every id past the budget before
    assert _complete(first, "a") == (N, 0)
    assert _complete(first, "b") == (0, 0) and waiting == {"session-b"}
    assert _complete(first, "c") == (0, 2 * N)
    rows = parquet_rows(tmp_path / "root")
    assert _complete(rows, "b") == (N, 0)  # the next flush paired it first
    assert time_paired == 2 * N and len(rows) == 2 * N + 2 * N


def test_a_final_flush_holds_nothing(monkeypatch, tmp_path):
    one = sink_module._pair_cost(N, N)
    monkeypatch.setattr(sink_module, "_PAIR_BUDGET", one + one // 2)

    async def scenario():
        sink = told_sink(tmp_path, join_ttl_seconds=0)
        await sink.start()
        for event in (*_calls("a"), *_calls("b")):
            await sink.submit(event)
        await sink.stop()  # the final flush: b is halves, and the WAL is gone
        return parquet_rows(tmp_path / "root"), wal_events(tmp_path / "wal")

    rows, waiting = asyncio.run(scenario())
    assert (
        _complete(rows, "a") == (N, 0) and _complete(rows, "b") == (0, 2 * N) and waiting == set()
    )


def test_an_id_is_held_once(monkeypatch, tmp_path):
    # p takes the budget; b and c (4 calls each) are held. b grows to 10 calls before the next
    # flush, which pays b first: c no longer fits what is left. Held again, an id behind a busy
    # one could wait flush after flush: its pairing deadline is the next flush, so c is halves
    monkeypatch.setattr(sink_module, "_PAIR_BUDGET", sink_module._pair_cost(N, N) + 10)
    assert 2 * sink_module._pair_cost(4, 4) <= sink_module._PAIR_BUDGET
    assert sink_module._pair_cost(10, 10) + sink_module._pair_cost(4, 4) > sink_module._PAIR_BUDGET

    async def scenario():
        sink = told_sink(tmp_path, join_ttl_seconds=0)
        await sink.start()
        for event in (*_calls("p"), *_calls("b", 4), *_calls("c", 4)):
            await sink.submit(event)
        await sink.flush()
        held = wal_events(tmp_path / "wal")
        for event in _calls("b", 6, first=4):
            await sink.submit(event)
        await sink.flush()
        await sink.stop()
        return held

    assert asyncio.run(scenario()) == {"session-b", "session-c"}
    rows = parquet_rows(tmp_path / "root")
    assert (
        _complete(rows, "p") == (N, 0)
        and _complete(rows, "b") == (10, 0)
        and _complete(rows, "c") == (0, 8)
    )
