"""``ctloop logger requeue`` killed part-way leaves one ledger record per flushed batch
(``<root>/_imports/quarantine-requeue/checkpoint-*.json``); its end-of-run compaction never ran.

Already right before this change: the next run reads *every* record under the ledger
(``requeue._done``), so a line a killed run recorded is not sent again and a line it did not
record is sent (the at-least-once window is a flush whose record was not written: readers
deduplicate on ``(request_id, instance)``). What was missing: the leftover records were never
merged, so every killed run added one file per batch for ever, read by every later run. Now the
next run merges them before it starts and compacts them with its own at its end: one file.

The set-aside lines are made by a real in-process Sink's replay (tests/inference_log/test_requeue_bounded.py).
"""

from __future__ import annotations

import orjson
import pytest

from ctloop import storage
from ctloop.errors import InferenceLogError
from ctloop.inference_log.requeue import run_requeue
from ctloop.inference_log.sink import Sink
from tests.inference_log.test_requeue_bounded import (
    ONE_A_FLUSH,
    ROWS,
    big_request,
    parquet_rows,
    set_aside,
)

LINES = 4


def _ledger(root: str) -> list[str]:
    return storage.list_files(f"{root}/_imports/quarantine-requeue", ".json")


def _recorded(root: str) -> list[str]:
    return [d for part in _ledger(root) for d in orjson.loads(storage.read_bytes(part))["lines"]]


def _kill_on_flush(monkeypatch, n: int, exc: BaseException) -> None:
    """The sink fails (or the process is killed) on the ``n``-th batch's flush, before it writes."""
    flushes = 0
    real_flush = Sink.flush

    async def flush(self, final: bool = False):
        nonlocal flushes
        flushes += 1
        if flushes == n:
            raise exc
        return await real_flush(self, final)

    monkeypatch.setattr(Sink, "flush", flush)


@pytest.mark.parametrize("failure", [KeyboardInterrupt(), OSError(28, "No space left on device")],
                         ids=["killed", "disk-full"])
def test_a_killed_requeues_batch_records_are_honoured_then_merged(tmp_path, monkeypatch, failure):
    root = set_aside(tmp_path, "root", [big_request(f"r{i}", i) for i in range(LINES)])
    _kill_on_flush(monkeypatch, 3, failure)  # batches 1 and 2 flushed and recorded, batch 3 not
    with pytest.raises((KeyboardInterrupt, InferenceLogError)):
        run_requeue(root, max_body_bytes=ONE_A_FLUSH)  # one line a batch
    monkeypatch.undo()
    assert parquet_rows(root) == 2 * ROWS
    assert len(_ledger(root)) == 2  # one record a batch, never compacted

    summary = run_requeue(root, max_body_bytes=ONE_A_FLUSH)
    assert (summary.lines, summary.already, summary.requeued) == (LINES, 2, LINES - 2)  # nothing sent twice
    assert parquet_rows(root) == LINES * ROWS  # nothing lost
    assert len(_ledger(root)) == 1  # the killed run's records merged with this run's
    assert len(_recorded(root)) == len(set(_recorded(root))) == LINES

    again = run_requeue(root, max_body_bytes=ONE_A_FLUSH)
    assert (again.already, again.requeued) == (LINES, 0) and parquet_rows(root) == LINES * ROWS
    assert len(_ledger(root)) == 1


def test_leftover_records_are_merged_before_a_run_that_is_killed_again(tmp_path, monkeypatch):
    """Killed twice: the second run merged the first's records before it started, so the ledger
    holds one merged record plus the second run's batches, not every batch of both."""
    root = set_aside(tmp_path, "root", [big_request(f"r{i}", i) for i in range(LINES)])
    _kill_on_flush(monkeypatch, 3, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run_requeue(root, max_body_bytes=ONE_A_FLUSH)
    monkeypatch.undo()
    _kill_on_flush(monkeypatch, 2, KeyboardInterrupt())  # the second run: its first batch, then killed
    with pytest.raises(KeyboardInterrupt):
        run_requeue(root, max_body_bytes=ONE_A_FLUSH)
    monkeypatch.undo()
    assert len(_ledger(root)) == 2 and sorted(map(len, (orjson.loads(storage.read_bytes(p))["lines"]
                                                     for p in _ledger(root)))) == [1, 2]
    summary = run_requeue(root, max_body_bytes=ONE_A_FLUSH)
    assert (summary.already, summary.requeued) == (3, 1) and parquet_rows(root) == LINES * ROWS
    assert len(_ledger(root)) == 1 and sorted(_recorded(root)) == sorted(set(_recorded(root)))


@pytest.mark.parametrize("where", ["_done", "_compact"])
def test_a_ledger_part_another_run_merged_meanwhile_is_skipped(tmp_path, monkeypatch, where):
    """Two requeues at once: a part listed by one run can be merged and deleted by the other before
    the first reads it (its lines are in the other's merged file, written first). It crashed the
    first run with "… does not exist" after its lines were requeued and recorded (review)."""
    from ctloop.inference_log import requeue

    root = set_aside(tmp_path, "root", [big_request(f"r{i}", i) for i in range(LINES)])
    _kill_on_flush(monkeypatch, 2, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run_requeue(root, max_body_bytes=ONE_A_FLUSH)
    monkeypatch.undo()
    parts = _ledger(root)
    assert len(parts) >= 1
    vanished = parts[0]
    recorded = orjson.loads(storage.read_bytes(vanished))["lines"]
    real_read = storage.read_bytes

    def read_bytes(uri, *a, **k):  # the other run merged and deleted it just now
        if uri == vanished and storage.exists(uri):
            requeue._record(root, recorded)  # its lines, in the other run's merged file
            storage.delete(uri)
        return real_read(uri, *a, **k)

    if where == "_done":
        monkeypatch.setattr(requeue.storage, "read_bytes", read_bytes)
    else:
        real_compact = requeue._compact

        def compact(root_, parts_):
            monkeypatch.setattr(requeue.storage, "read_bytes", read_bytes)
            return real_compact(root_, parts_)

        monkeypatch.setattr(requeue, "_compact", compact)
    summary = run_requeue(root, max_body_bytes=ONE_A_FLUSH)
    monkeypatch.undo()
    assert summary.requeued <= LINES - len(recorded)  # nothing the vanished part listed was sent again
    assert len(set(_recorded(root))) == LINES  # every line recorded once the run is done
