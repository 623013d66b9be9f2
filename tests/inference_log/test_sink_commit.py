"""Pipelined group commit keeps the write-ahead guarantee: several fsyncs in flight, yet an event
is acknowledged only once its own fsync *and every earlier one* succeeded, in commit order, and
nothing is acknowledged after any fsync failed. The real fsync runs; the test only delays or
fails chosen calls."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from ctloop.inference_log import sink as sink_module
from ctloop.inference_log.events import Event
from ctloop.inference_log.sink import FSYNC_SLOTS, Sink, SinkUnavailable
from tests.inference_log.support import event, parquet_rows, wal_events


async def started(tmp_path) -> Sink:
    sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
    await sink.start()
    return sink


def scripted_fsync(monkeypatch, script: dict[int, str]) -> threading.Event:
    """fsync number n (from now on) does what script[n] says: "slow" waits for the returned gate,
    "fail" raises EIO; the others are the real fsync."""
    real = os.fsync
    gate = threading.Event()
    count = [0]
    lock = threading.Lock()

    def fsync(fd):
        with lock:
            n = count[0]
            count[0] += 1
        action = script.get(n)
        if action == "slow":
            assert gate.wait(10)
        elif action == "fail":
            raise OSError(5, "Input/output error")
        real(fd)

    monkeypatch.setattr(sink_module.os, "fsync", fsync)
    return gate


async def until(predicate, timeout=5.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_several_fsyncs_are_in_flight_and_acknowledgements_keep_commit_order(tmp_path, monkeypatch):
    async def scenario():
        sink = await started(tmp_path)
        gate = scripted_fsync(monkeypatch, {0: "slow"})
        first = asyncio.create_task(sink.accept(event(1, "request")))
        await until(lambda: sink._inflight)  # commit 0 is waiting for its (slow) fsync
        second = asyncio.create_task(sink.accept(event(2, "request")))
        await until(lambda: len(sink._inflight) == 2)  # commit 1 did not wait for commit 0
        await asyncio.sleep(0.2)  # commit 1's fsync has long returned ...
        assert not second.done(), "acknowledged before an earlier commit was durable"
        gate.set()
        await asyncio.wait_for(asyncio.gather(first, second), 5)
        assert sink.stats.accepted == 2 and sink.failure is None
        await sink.stop()
    asyncio.run(scenario())
    assert FSYNC_SLOTS >= 2


def test_nothing_is_acknowledged_after_a_failed_fsync_and_the_wal_is_kept(tmp_path, monkeypatch):
    async def scenario():
        sink = await started(tmp_path)
        gate = scripted_fsync(monkeypatch, {0: "slow", 2: "fail"})
        tasks = [asyncio.create_task(sink.accept(event(1, "request")))]
        await until(lambda: len(sink._inflight) == 1)
        tasks.append(asyncio.create_task(sink.accept(event(2, "request"))))  # fsync 1: fine
        await until(lambda: len(sink._inflight) == 2)
        tasks.append(asyncio.create_task(sink.accept(event(3, "request"))))  # fsync 2: EIO
        await until(lambda: sink.failure is not None)
        gate.set()  # commit 0's fsync now succeeds: too late, the sink has failed
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)
        later = await asyncio.gather(sink.accept(event(4, "request")), return_exceptions=True)
        failure = sink.failure
        await sink.stop()
        return results + later, failure
    results, failure = asyncio.run(scenario())
    assert all(isinstance(r, SinkUnavailable) for r in results), results
    assert "Input/output error" in failure
    assert {"id1", "id2", "id3"} <= wal_events(tmp_path / "wal"), "kept for the replay at the next start"


@pytest.mark.parametrize("kind", ["request", "response"])
def test_a_flush_waits_for_every_fsync_in_flight_before_rotating(tmp_path, monkeypatch, kind):
    """A rotation closes the segment's descriptors: it must not happen under an fsync."""
    async def scenario():
        sink = await started(tmp_path)
        gate = scripted_fsync(monkeypatch, {0: "slow"})
        accepted = asyncio.create_task(sink.accept(event(1, kind)))
        await until(lambda: sink._inflight)
        flush = asyncio.create_task(sink.flush())
        await asyncio.sleep(0.2)
        assert not flush.done() and not accepted.done()
        gate.set()
        await asyncio.wait_for(asyncio.gather(accepted, flush), 5)
        assert sink.failure is None
        await sink.stop()
    asyncio.run(scenario())


def test_answers_are_released_before_the_join_work(tmp_path, monkeypatch):
    """The join (rows, types, JSON lines) runs after the acknowledged requests have resumed, not
    inside the commit callback before them: a batch's 200s no longer wait for its joins."""
    resumed: list[str] = []
    seen_at_join: list[list[str]] = []
    real_join = sink_module.join

    def join(request, response):
        seen_at_join.append(list(resumed))
        return real_join(request, response)

    monkeypatch.setattr(sink_module, "join", join)

    async def accept(sink, ev):
        await sink.accept(ev)
        resumed.append(ev.kind)

    async def scenario():
        sink = await started(tmp_path)
        await accept(sink, event(1, "request"))  # waits for its partner: no join yet
        await accept(sink, event(1, "response"))  # pairs: the join runs for this one
        await until(lambda: seen_at_join)
        await sink.stop()
    asyncio.run(scenario())
    assert seen_at_join[0] == ["request", "response"], "the join ran before the acknowledged request resumed"


def test_an_event_acknowledged_just_before_a_flush_is_durable_across_the_rotation(tmp_path):
    """A flush that starts in the same loop iteration as an acknowledgement (before the deferred
    join ran) still joins it first: otherwise the event would be in neither the new segment nor
    Parquet once the old segment is deleted. Checked on disk without stopping the sink (a crash)."""
    async def scenario():
        sink = await started(tmp_path)
        await sink.accept(event(1, "request"))
        await sink.accept(event(2, "request"))

        async def respond_then_flush():
            await sink.accept(event(1, "response"))
            await sink.flush()  # runs before the join scheduled by the acknowledgement

        await respond_then_flush()
        for task in sink._tasks:  # a crash: nothing else runs, the WAL and Parquet are what is left
            task.cancel()
        sink._closing = True
        await asyncio.gather(*sink._tasks, return_exceptions=True)
        sink._wal.close()
        sink._close_sync_fds()
        sink._syncer.shutdown()
    asyncio.run(scenario())
    rows = parquet_rows(tmp_path / "root")
    in_parquet = set(rows.loc[rows.has_response, "request_id"]) if len(rows) else set()
    in_wal = {(e.id, e.kind) for seg in (tmp_path / "wal").glob("*.wal")
              for e in map(Event.from_json, seg.read_bytes().splitlines())}
    assert "id1" in in_parquet or ("id1", "response") in in_wal, "acknowledged response lost"
    assert ("id2", "request") in in_wal, "the request still waiting is carried into the new segment"
