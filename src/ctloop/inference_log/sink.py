"""The inference log sink: write-ahead log, request/response join, partitioned Parquet.

Durability — **write-ahead**: an accepted event is appended to the current WAL segment and the
HTTP answer (2xx) is sent only after an ``fsync`` covering it (group commit: one fsync for all
events that arrived meanwhile, which is what makes thousands of events per second possible).
From then on the event is in a WAL segment or in Parquet, never only in memory:

* flush: joined rows go to Parquet (``<root>/model=<isvc>/date=<YYYY-MM-DD>/revision=<rev>/
  part-<uuid>.parquet``); events still waiting for their partner are copied into the new WAL
  segment and fsynced; only then is the old segment deleted;
* SIGTERM (uvicorn's graceful shutdown): everything is flushed, unpaired events as rows with the
  missing side empty (``has_request`` / ``has_response``);
* start: segments left by a crash are replayed. Delivery is at-least-once: a crash between a
  Parquet write and the segment delete replays those events again — deduplicate on
  ``(request_id, instance)``.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ctloop.inference_log.events import Event, join

FLUSH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class Stats:
    received: int = 0
    accepted: int = 0
    rows_written: int = 0
    events_written: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    flush_buckets: list[int] = field(default_factory=lambda: [0] * len(FLUSH_BUCKETS))
    flush_count: int = 0
    flush_sum: float = 0.0

    def reject(self, reason: str) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1

    def observe_flush(self, seconds: float) -> None:
        """Histogram counts only: memory stays constant however long the sink runs."""
        self.flush_count += 1
        self.flush_sum += seconds
        for i, bound in enumerate(FLUSH_BUCKETS):
            if seconds <= bound:
                self.flush_buckets[i] += 1


class Sink:
    def __init__(self, root: str, wal_dir: str, *, flush_rows: int = 20000, flush_seconds: float = 5.0,
                 join_ttl_seconds: float = 30.0):
        self.root = root.rstrip("/")
        self.wal_dir = Path(wal_dir)
        self.flush_rows = flush_rows
        self.flush_seconds = flush_seconds
        self.join_ttl = join_ttl_seconds
        self.stats = Stats()
        self._open: dict[str, dict[str, Any]] = {}  # ce-id -> {"request": Event, "response": Event, "t": float}
        self._rows: list[dict[str, Any]] = []
        self._batch: list[tuple[asyncio.Future, Event]] = []
        self._wake: asyncio.Event | None = None
        self._wal = None
        self._segment: Path | None = None
        self._tasks: list[asyncio.Task] = []
        self._flush_lock: asyncio.Lock | None = None
        self._commit_lock: asyncio.Lock | None = None
        self._closing = False

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self.wal_dir.mkdir(parents=True, exist_ok=True)
        self._wake = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._commit_lock = asyncio.Lock()
        old = sorted(self.wal_dir.glob("segment-*.wal"))
        self._open_segment()
        if old:  # crash recovery: replay, persist, then forget the old segments
            for seg in old:
                for line in seg.read_text().splitlines():
                    if line.strip():
                        self._add(Event.from_json(line))
            await self.flush(final=False, drop_segments=old)
        self._tasks = [asyncio.create_task(self._committer()), asyncio.create_task(self._flusher())]

    async def stop(self) -> None:
        """Flush everything (SIGTERM path) and remove the WAL."""
        self._closing = True
        async with self._flush_lock:  # never cancel the flusher in the middle of a flush
            self._tasks[1].cancel()
            await asyncio.gather(self._tasks[1], return_exceptions=True)
        await self._commit()  # waits for an fsync in flight, then commits what is left
        self._tasks[0].cancel()
        await asyncio.gather(self._tasks[0], return_exceptions=True)
        await self._commit()
        await self.flush(final=True)

    def _open_segment(self) -> None:
        self._segment = self.wal_dir / f"segment-{time.time_ns():020d}-{uuid.uuid4().hex[:6]}.wal"
        self._wal = open(self._segment, "a", buffering=1 << 20)

    # ------------------------------------------------------------------ ingest
    async def accept(self, event: Event) -> None:
        """Returns once the event is durable in the WAL (written and fsynced by a commit)."""
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._batch.append((fut, event))
        self._wake.set()
        await fut
        self.stats.accepted += 1

    async def _commit_locked(self) -> None:
        """Write the waiting events to the current segment, fsync it, then acknowledge them.

        The write and the fsync always hit the same file: a rotation (``flush``) holds the same
        lock, so an event can never be acknowledged from a segment that is about to be deleted.
        """
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        wal = self._wal
        wal.write("".join(event.to_json() + "\n" for _, event in batch))
        wal.flush()
        await asyncio.to_thread(os.fsync, wal.fileno())
        for fut, event in batch:
            self._add(event)
            if not fut.done():
                fut.set_result(None)

    async def _commit(self) -> None:
        async with self._commit_lock:
            await self._commit_locked()

    async def _committer(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self._commit()

    def _add(self, event: Event) -> None:
        slot = self._open.setdefault(event.id, {"request": None, "response": None, "t": time.monotonic()})
        slot[event.kind] = event
        if slot["request"] is not None and slot["response"] is not None:
            self._rows.extend(join(slot["request"], slot["response"]))
            del self._open[event.id]

    async def _flusher(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.05)
            if len(self._rows) >= self.flush_rows or time.monotonic() - last >= self.flush_seconds:
                await self.flush()
                last = time.monotonic()

    # ------------------------------------------------------------------ flush
    async def flush(self, final: bool = False, drop_segments: list[Path] | None = None) -> int:
        """Rows to Parquet, then the WAL they came from is dropped.

        Under the commit lock, in one step: commit what is waiting into the current segment,
        switch to a new segment, take the rows, and copy events still waiting for their partner
        into the new segment (fsynced). Then, outside the lock, write Parquet; only after that
        is the old segment deleted. A crash at any point leaves every acknowledged event in a
        segment or in Parquet (possibly both: at-least-once).
        """
        async with self._flush_lock:
            started = time.perf_counter()
            async with self._commit_lock:
                await self._commit_locked()
                old_wal, old_segment = self._wal, self._segment
                if drop_segments is None:
                    self._open_segment()
                now = time.monotonic()
                expired = [k for k, v in self._open.items() if final or now - v["t"] > self.join_ttl]
                rows, self._rows = self._rows, []
                for key in expired:
                    slot = self._open.pop(key)
                    rows.extend(join(slot["request"], slot["response"]))
                carried = [slot[kind].to_json() + "\n" for slot in self._open.values()
                           for kind in ("request", "response") if slot[kind] is not None]
                if carried:
                    self._wal.write("".join(carried))
                self._wal.flush()
                await asyncio.to_thread(os.fsync, self._wal.fileno())
            if rows:
                await asyncio.to_thread(self._write_parquet, rows)
            self.stats.rows_written += len(rows)
            self.stats.events_written += len({r["request_id"] for r in rows})
            if drop_segments is None:
                old_wal.close()
                old_segment.unlink(missing_ok=True)
            else:
                for seg in drop_segments:
                    seg.unlink(missing_ok=True)
            if final and not self._open and self._closing:
                self._wal.close()
                self._segment.unlink(missing_ok=True)
            self.stats.observe_flush(time.perf_counter() - started)
            return len(rows)

    def _write_parquet(self, rows: list[dict[str, Any]]) -> None:
        """One Parquet file per (model, date, revision) partition; pyarrow straight from the rows
        (no pandas): it keeps flushes short, and so the ingest latency tail."""
        import io

        import pyarrow as pa
        import pyarrow.parquet as pq

        from ctloop.storage import write_bytes

        groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for row in rows:
            key = (row["model"], str(row["time"])[:10], row["revision"])
            groups.setdefault(key, []).append(row)
        for (model, date, revision), part in sorted(groups.items()):
            uri = f"{self.root}/model={model}/date={date}/revision={revision}/part-{uuid.uuid4().hex}.parquet"
            buf = io.BytesIO()
            pq.write_table(pa.Table.from_pylist(part), buf)
            write_bytes(uri, buf.getvalue())

    # ------------------------------------------------------------------ metrics
    def metrics_text(self) -> str:
        s = self.stats
        lines = [
            "# HELP ctloop_log_events_received_total Events received.", "# TYPE ctloop_log_events_received_total counter",
            f"ctloop_log_events_received_total {s.received}",
            "# HELP ctloop_log_events_accepted_total Events acknowledged (durable in the WAL).",
            "# TYPE ctloop_log_events_accepted_total counter", f"ctloop_log_events_accepted_total {s.accepted}",
            "# HELP ctloop_log_rows_written_total Rows written to Parquet.", "# TYPE ctloop_log_rows_written_total counter",
            f"ctloop_log_rows_written_total {s.rows_written}",
            "# HELP ctloop_log_events_rejected_total Events rejected, by reason.",
            "# TYPE ctloop_log_events_rejected_total counter",
        ]
        lines += [f'ctloop_log_events_rejected_total{{reason="{r}"}} {n}' for r, n in sorted(s.rejected.items())]
        lines += ["# HELP ctloop_log_buffered_rows Rows waiting for the next flush.", "# TYPE ctloop_log_buffered_rows gauge",
                  f"ctloop_log_buffered_rows {len(self._rows)}",
                  "# HELP ctloop_log_flush_seconds Flush latency.", "# TYPE ctloop_log_flush_seconds histogram"]
        for b, n in zip(FLUSH_BUCKETS, s.flush_buckets, strict=True):
            lines.append(f'ctloop_log_flush_seconds_bucket{{le="{b}"}} {n}')
        lines += [f'ctloop_log_flush_seconds_bucket{{le="+Inf"}} {s.flush_count}',
                  f"ctloop_log_flush_seconds_sum {s.flush_sum:.6f}",
                  f"ctloop_log_flush_seconds_count {s.flush_count}"]
        return "\n".join(lines) + "\n"


__all__ = ["Sink", "Stats"]
