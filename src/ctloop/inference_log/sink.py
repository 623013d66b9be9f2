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
    flush_seconds: list[float] = field(default_factory=list)

    def reject(self, reason: str) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1


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
        flusher = self._tasks[1]
        flusher.cancel()
        await asyncio.gather(flusher, return_exceptions=True)
        await self._commit()  # waits for an fsync in flight, then commits what is left
        committer = self._tasks[0]
        committer.cancel()
        await asyncio.gather(committer, return_exceptions=True)
        await self._commit()
        await self.flush(final=True)

    def _open_segment(self) -> None:
        self._segment = self.wal_dir / f"segment-{time.time_ns():020d}-{uuid.uuid4().hex[:6]}.wal"
        self._wal = open(self._segment, "a", buffering=1 << 20)

    # ------------------------------------------------------------------ ingest
    async def accept(self, event: Event) -> None:
        """Returns once the event is durable in the WAL."""
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._wal.write(event.to_json() + "\n")
        self._batch.append((fut, event))
        self._wake.set()
        await fut
        self.stats.accepted += 1

    async def _commit(self) -> None:
        async with self._commit_lock:
            if not self._batch:
                return
            batch, self._batch = self._batch, []
            wal = self._wal
            wal.flush()
            await asyncio.to_thread(os.fsync, wal.fileno())
            for fut, event in batch:
                self._add(event)
                if not fut.done():
                    fut.set_result(None)

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
        async with self._flush_lock:
            started = time.perf_counter()
            old_wal, old_segment = self._wal, self._segment
            if drop_segments is None:
                # commit what the old segment holds, then new events go to a new segment
                await self._commit()
                async with self._commit_lock:
                    self._open_segment()
            now = time.monotonic()
            expired = [k for k, v in self._open.items() if final or now - v["t"] > self.join_ttl]
            rows, self._rows = self._rows, []
            for key in expired:
                slot = self._open.pop(key)
                rows.extend(join(slot["request"], slot["response"]))
            # unpaired events not expired: carried into the new segment before the old one goes
            for slot in self._open.values():
                for kind in ("request", "response"):
                    if slot[kind] is not None:
                        self._wal.write(slot[kind].to_json() + "\n")
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
            if final and not self._open:
                self._wal.close()
                self._segment.unlink(missing_ok=True)
                if not self._closing:
                    self._open_segment()
            self.stats.flush_seconds.append(time.perf_counter() - started)
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
        for b in FLUSH_BUCKETS:
            lines.append(f'ctloop_log_flush_seconds_bucket{{le="{b}"}} {sum(1 for x in s.flush_seconds if x <= b)}')
        lines += [f'ctloop_log_flush_seconds_bucket{{le="+Inf"}} {len(s.flush_seconds)}',
                  f"ctloop_log_flush_seconds_sum {sum(s.flush_seconds):.6f}",
                  f"ctloop_log_flush_seconds_count {len(s.flush_seconds)}"]
        return "\n".join(lines) + "\n"


__all__ = ["Sink", "Stats"]
