"""Write-ahead durability: nothing acknowledged is lost, not by a crash, a failed write or a torn WAL."""

import asyncio
import json
import os
import time
from pathlib import Path

import pandas as pd

from ctloop.inference_log.events import Event, parse_event
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import SOURCE, event, parquet_rows, wal_events


async def crash_after_flush(tmp_path, flush_delay: float) -> tuple[int, list]:
    sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6,
                join_ttl_seconds=600)
    await sink.start()
    acked: list[tuple[str, str]] = []
    stop = asyncio.Event()

    async def worker(w: int):
        j = 0
        while not stop.is_set():
            i = w * 100_000 + j
            await sink.accept(event(i, "request"))
            acked.append((f"id{i}", "request"))
            if j % 2:
                await sink.accept(event(i, "response"))
                acked.append((f"id{i}", "response"))
            j += 1

    workers = [asyncio.create_task(worker(w)) for w in range(50)]
    await asyncio.sleep(flush_delay)
    await sink.flush()  # a flush in the middle of the load...
    await asyncio.sleep(0.01)
    stop.set()  # ...then a crash: tasks die, no stop(), no final flush
    for t in workers + sink._tasks:
        t.cancel()
    await asyncio.gather(*workers, *sink._tasks, return_exceptions=True)
    on_disk: set[tuple[str, str]] = set()
    for seg in (tmp_path / "wal").glob("*.wal"):
        for line in seg.read_text().splitlines():
            if line.strip():
                e = Event.from_json(line)
                on_disk.add((e.id, e.kind))
    for part in (tmp_path / "root").rglob("*.parquet"):
        rows = pd.read_parquet(part)
        on_disk |= {(r, "request") for r in rows.loc[rows.has_request, "request_id"]}
        on_disk |= {(r, "response") for r in rows.loc[rows.has_response, "request_id"]}
    return len(acked), [a for a in acked if a not in on_disk]


def test_crash_right_after_a_flush_under_load_loses_no_acknowledged_event(tmp_path):
    for attempt, delay in enumerate((0.05, 0.1, 0.15, 0.2)):
        acked, lost = asyncio.run(crash_after_flush(tmp_path / str(attempt), delay))
        assert acked > 100
        assert lost == [], f"{len(lost)} of {acked} acknowledged events only in memory, e.g. {lost[:3]}"


def test_size_trigger_flushes_as_soon_as_the_buffer_holds_flush_rows(tmp_path):
    """flush_rows=40 with a time trigger that never fires: the 40th row starts a flush."""
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=40, flush_seconds=10**6)
        await sink.start()
        for i in range(39):
            await sink.accept(event(i, "request"))
            await sink.accept(event(i, "response"))
        await asyncio.sleep(0.3)
        assert not list((tmp_path / "root").rglob("*.parquet")), "flushed before reaching flush_rows"
        await sink.accept(event(39, "request"))
        await sink.accept(event(39, "response"))
        # the flush writes in a worker thread and counts once the write returns: the file can be
        # visible a moment before the counters move, so wait on the counters, not on the file
        deadline = time.monotonic() + 5
        while sink.stats.rows_written < 40 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        written = (sink.stats.rows_written, sink.stats.events_written)
        await sink.stop()
        return written
    rows_written, events_written = asyncio.run(scenario())
    assert (rows_written, events_written) == (40, 80)
    rows = parquet_rows(tmp_path / "root")
    assert len(rows) == 40 and rows.has_response.all()
    # the partition is the model version the runtime reported, never the localhost source
    (path,) = (tmp_path / "root").rglob("*.parquet")
    assert path.parent.name == "revision=v2" and path.parent.parent.parent.name == "model=credit-default"
    assert set(rows.revision) == {"v2"} and set(rows.model_version) == {"2"}


def test_rows_with_changing_types_and_non_finite_numbers_still_flush(tmp_path):
    """One client sends a feature as a number, another as a string; a body carries NaN: the flush
    must not fail (it would block every later flush), and nothing is silently dropped."""
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        h = {"ce-type": "org.kubeflow.serving.inference.request", "ce-specversion": "1.0",
             "ce-source": SOURCE, "ce-inferenceservicename": "credit-default"}
        bodies = [b'{"instances": [{"region": 3, "x": NaN, "tags": [1, "a"]}]}',
                  b'{"instances": [{"region": "north", "x": 1.5, "tags": [2]}]}']
        for i, body in enumerate(bodies):
            meta = {"ce-metadata": json.dumps({"X-Order-Id": [f"order-{i}"]})}
            await sink.accept(parse_event({**h, **meta, "ce-id": f"m{i}"}, body))
            await sink.accept(parse_event({**h, "ce-id": f"m{i}", "ce-type": "org.kubeflow.serving.inference.response"},
                                          b'{"predictions": [1]}'))
        assert await sink.flush() == 2
        await sink.stop()
    asyncio.run(scenario())
    rows = parquet_rows(tmp_path / "root").sort_values("request_id")
    # the column's first value made it a number: the later string is kept aside, not lost
    assert rows.region.iloc[0] == 3.0 and pd.isna(rows.region.iloc[1])
    assert pd.isna(rows._mistyped.iloc[0]) and json.loads(rows._mistyped.iloc[1]) == {"region": "north"}
    assert rows.meta_x_order_id.tolist() == ["order-0", "order-1"]  # business key for the labels join
    assert pd.isna(rows.x.iloc[0]) and rows.x.iloc[1] == 1.5
    assert rows.tags.tolist() == ['[1,"a"]', "[2]"]  # lists are JSON text
    assert rows.model_version.tolist() == ["", ""] and rows.revision.tolist() == ["unknown", "unknown"]


def test_a_failed_parquet_write_keeps_rows_and_segments_and_the_next_flush_retries(tmp_path):
    root = tmp_path / "root"
    root.write_text("a file where the Parquet root should be: every write fails")  # a real failure

    async def scenario():
        sink = Sink(str(root), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        for i in range(5):
            await sink.accept(event(i, "request"))
            await sink.accept(event(i, "response"))
        try:
            await sink.flush()
        except OSError:
            pass
        else:
            raise AssertionError("the first flush should have failed")
        assert sink.stats.flush_errors == 1 and sink.stats.rows_written == 0
        assert wal_events(tmp_path / "wal") == {f"id{i}" for i in range(5)}  # a crash now would replay them
        root.unlink()  # the bucket is back
        await sink.accept(event(5, "request"))
        await sink.accept(event(5, "response"))
        assert await sink.flush() == 6  # ... and the retry writes old and new rows together
        assert "ctloop_log_flush_errors_total 1" in sink.metrics_text()
        assert "ctloop_log_events_written_total 12" in sink.metrics_text()
        await sink.stop()
        assert not list((tmp_path / "wal").glob("*.wal"))
    asyncio.run(scenario())
    assert sorted(parquet_rows(root).request_id) == [f"id{i}" for i in range(6)]


def segment_line(e: Event) -> bytes:
    return (e.to_json() + "\n").encode()


def test_replay_skips_a_torn_last_line_and_quarantines_a_corrupt_one_in_the_middle(tmp_path):
    """A SIGKILL/power cut mid-append leaves an unterminated last line (never acknowledged):
    start-up skips it with a warning. A line garbled in the middle (bit rot) is set aside in
    <root>/_quarantine. Neither stops the sink from starting or from taking events."""
    wal = tmp_path / "wal"
    wal.mkdir()
    good = segment_line(event(1, "request")) + segment_line(event(1, "response"))
    (wal / "segment-00000000000000000001-aaaaaa.wal").write_bytes(
        good + b'{"id":"id2","kind":"requ\xff\xfe garbage\n' + segment_line(event(3, "request"))
        + segment_line(event(3, "response"))[:-25])  # torn: no newline, half a JSON object

    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(wal), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()  # must not raise
        assert sink.stats.wal_torn_lines == 1 and sink.stats.quarantined == 1
        await sink.accept(event(4, "request"))  # and it still takes events
        await sink.accept(event(4, "response"))
        await sink.stop()
        return sink.metrics_text()
    metrics = asyncio.run(scenario())
    rows = parquet_rows(tmp_path / "root")
    assert sorted(rows.request_id) == ["id1", "id3", "id4"]  # id3: its request survived, response torn
    assert rows.set_index("request_id").loc["id3", "has_response"] == False  # noqa: E712
    (quarantined,) = (tmp_path / "root" / "_quarantine").rglob("*.jsonl")
    (record,) = [json.loads(line) for line in quarantined.read_text().splitlines()]
    assert "corrupt WAL line segment-00000000000000000001-aaaaaa.wal:3" in record["reason"]
    assert "garbage" in record["wal_line"]
    assert "ctloop_log_wal_torn_lines_total 1" in metrics and "ctloop_log_quarantined_total 1" in metrics
    assert not list(wal.glob("*.wal"))


def test_local_parquet_and_its_directory_are_fsynced_before_the_wal_segment_is_deleted(tmp_path, monkeypatch):
    """A node crash must not lose what the WAL stopped covering: every fsync is recorded (the real
    fsync still runs) with whether the retired segment still existed at that moment."""
    synced: list[tuple[str, bool]] = []
    real_fsync = os.fsync
    segments: list[Path] = []

    def recording_fsync(fd):
        real_fsync(fd)
        synced.append((os.readlink(f"/proc/self/fd/{fd}"), all(s.exists() for s in segments)))

    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        await sink.accept(event(1, "request"))
        await sink.accept(event(1, "response"))
        segments.append(sink._segment)
        monkeypatch.setattr(os, "fsync", recording_fsync)
        await sink.flush()
        monkeypatch.setattr(os, "fsync", real_fsync)
        await sink.stop()
    asyncio.run(scenario())
    (part,) = (tmp_path / "root").rglob("*.parquet")
    assert not segments[0].exists()
    before_delete = {path for path, segment_there in synced if segment_there}
    assert str(part.with_name(f".{part.name}.tmp")) in before_delete, "Parquet file not fsynced before the WAL segment went"
    for directory in (part.parent, part.parent.parent, part.parent.parent.parent, tmp_path / "root"):
        assert str(directory) in before_delete, f"{directory} not fsynced before the WAL segment went"
    wal_dir_after = [path for path, segment_there in synced if not segment_there]
    assert str(tmp_path / "wal") in wal_dir_after, "WAL directory not fsynced after the segment delete"
    # and the new segment's directory entry was made durable before the old one was retired
    assert str(tmp_path / "wal") in before_delete
