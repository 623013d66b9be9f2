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
* a failed Parquet write (bucket unreachable, …) keeps the rows in memory and the segments they
  came from on disk; the next flush retries (``ctloop_log_flush_errors_total`` counts failures);
* start: segments left by a crash are replayed. Delivery is at-least-once: a crash between a
  Parquet write and the segment delete replays those events again — deduplicate on
  ``(request_id, instance)``.

Rows are kept as JSON lines per partition as pairs complete, and a flush turns them into Arrow
with pyarrow's JSON reader, which runs without the GIL: the event loop keeps answering while a
flush runs (converting Python dicts held the GIL for tens of milliseconds per flush, which was
the whole p99 tail). A column whose values change type between events (a feature sent as a
number by one client and as a string by another) is written as strings rather than failing the
flush. Non-finite numbers (``NaN``/``Infinity``, which JSON does not have) are written as null.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ctloop.inference_log.events import Event, join

log = logging.getLogger("ctloop.inference_log")
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
    flush_errors: int = 0

    def reject(self, reason: str) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1

    def observe_flush(self, seconds: float) -> None:
        """Histogram counts only: memory stays constant however long the sink runs."""
        self.flush_count += 1
        self.flush_sum += seconds
        for i, bound in enumerate(FLUSH_BUCKETS):
            if seconds <= bound:
                self.flush_buckets[i] += 1


_encode = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
IDENTITY_SCHEMA = (("request_id", "string"), ("instance", "int64"), ("model", "string"), ("namespace", "string"),
                   ("revision", "string"), ("component", "string"), ("time", "string"),
                   ("has_response", "bool_"), ("has_request", "bool_"))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def row_line(row: dict[str, Any]) -> str:
    """One row as a JSON line (NaN/Infinity → null: JSON has no such numbers)."""
    try:
        return _encode(row)
    except ValueError:
        return _encode(_finite(row))


def table_from_lines(lines: list[str]):
    """JSON lines → Arrow table; identity columns typed, the rest inferred; a column with mixed
    types is kept as strings (JSON text of each value) instead of failing the flush."""
    import io

    import pyarrow as pa
    import pyarrow.json as pj

    data = "\n".join(lines).encode()
    schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in IDENTITY_SCHEMA])
    try:
        return pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(use_threads=False, block_size=len(data) + 1),
                            parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer"))
    except pa.ArrowInvalid:
        rows = [json.loads(line) for line in lines]
    kinds: dict[str, set[type]] = {}
    for row in rows:
        for key, value in row.items():
            if value is not None:
                kinds.setdefault(key, set()).add(float if type(value) is int else type(value))
    mixed = {k for k, t in kinds.items() if len(t) > 1 and k not in dict(IDENTITY_SCHEMA)}
    for row in rows:
        for key in mixed:
            value = row.get(key)
            if value is not None and not isinstance(value, str):
                row[key] = json.dumps(value)
    return pa.Table.from_pylist(rows)


def _warm_up_arrow() -> None:
    """pyarrow's first ``Table.from_pylist`` costs ~0.4 s (lazy initialisation); pay it at start,
    not in the first flush under load, where it shows up as an ingest-latency spike."""
    import pyarrow as pa

    pa.Table.from_pylist([{"a": 1.0, "b": "x", "c": True}])
    table_from_lines([row_line({"request_id": "warm-up", "instance": 0, "a": 1.0})])


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
        self._parts: dict[tuple[str, str, str], list[str]] = {}  # (model, date, revision) -> JSON lines
        self._n_rows = 0
        self._n_events = 0  # request ids whose rows are buffered
        self._retired: list[Path] = []  # segments whose events are buffered, not yet in Parquet
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
            self._retired.extend(old)
            log.warning("replayed %d WAL segment(s) left by an unclean stop", len(old))
            await self.flush(final=False)
        await asyncio.to_thread(_warm_up_arrow)
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
            self._buffer(slot["request"], slot["response"], self._parts)
            del self._open[event.id]

    def _buffer(self, request: Event | None, response: Event | None, parts: dict) -> None:
        rows = join(request, response)
        if not rows:
            return
        first = rows[0]
        key = (first["model"], str(first["time"])[:10], first["revision"])
        lines = parts.get(key)
        if lines is None:
            lines = parts[key] = []
        lines.extend(row_line(row) for row in rows)
        self._n_rows += len(rows)
        self._n_events += 1

    async def _flusher(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.05)
            if self._n_rows >= self.flush_rows or time.monotonic() - last >= self.flush_seconds:
                try:
                    await self.flush()
                except Exception:  # noqa: BLE001 - rows and segments are kept; the next flush retries
                    log.exception("flush failed; %d rows kept in memory and in the WAL, retrying", self._n_rows)
                last = time.monotonic()

    # ------------------------------------------------------------------ flush
    async def flush(self, final: bool = False) -> int:
        """Rows to Parquet, then the WAL segments they came from are dropped.

        Under the commit lock, in one step: commit what is waiting into the current segment,
        retire it and switch to a new one, take the buffered rows, and copy events still waiting
        for their partner into the new segment (fsynced). Then, outside the lock, write Parquet;
        only after that are the retired segments deleted. If the write fails the rows go back
        into the buffer and the segments stay: a crash at any point leaves every acknowledged
        event in a segment or in Parquet (possibly both: at-least-once).
        """
        async with self._flush_lock:
            started = time.perf_counter()
            async with self._commit_lock:
                await self._commit_locked()
                self._wal.close()
                self._retired.append(self._segment)
                self._open_segment()
                now = time.monotonic()
                expired = [k for k, v in self._open.items() if final or now - v["t"] > self.join_ttl]
                for key in expired:
                    slot = self._open.pop(key)
                    self._buffer(slot["request"], slot["response"], self._parts)
                parts, self._parts = self._parts, {}
                n_rows, n_events, self._n_rows, self._n_events = self._n_rows, self._n_events, 0, 0
                retired, self._retired = self._retired, []
                carried = [slot[kind].to_json() + "\n" for slot in self._open.values()
                           for kind in ("request", "response") if slot[kind] is not None]
                if carried:
                    self._wal.write("".join(carried))
                self._wal.flush()
                await asyncio.to_thread(os.fsync, self._wal.fileno())
            if parts:
                try:
                    await asyncio.to_thread(self._write_parquet, parts)
                except BaseException:
                    self.stats.flush_errors += 1
                    for key, lines in parts.items():  # back in front of what arrived meanwhile
                        parts[key] = lines + self._parts.get(key, [])
                    for key, lines in self._parts.items():
                        parts.setdefault(key, lines)
                    self._parts = parts
                    self._n_rows += n_rows
                    self._n_events += n_events
                    self._retired = retired + self._retired
                    raise
            self.stats.rows_written += n_rows
            self.stats.events_written += n_events
            for seg in retired:
                seg.unlink(missing_ok=True)
            if final and not self._open and self._closing:
                self._wal.close()
                self._segment.unlink(missing_ok=True)
            self.stats.observe_flush(time.perf_counter() - started)
            return n_rows

    def _write_parquet(self, parts: dict[tuple[str, str, str], list[str]]) -> None:
        """One Parquet file per (model, date, revision) partition."""
        import io

        import pyarrow.parquet as pq

        from ctloop.storage import write_bytes

        for (model, date, revision), lines in sorted(parts.items()):
            uri = f"{self.root}/model={model}/date={date}/revision={revision}/part-{uuid.uuid4().hex}.parquet"
            buf = io.BytesIO()
            pq.write_table(table_from_lines(lines), buf)
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
                  f"ctloop_log_buffered_rows {self._n_rows}",
                  "# HELP ctloop_log_flush_errors_total Flushes that failed (rows kept, retried).",
                  "# TYPE ctloop_log_flush_errors_total counter", f"ctloop_log_flush_errors_total {s.flush_errors}",
                  "# HELP ctloop_log_flush_seconds Flush latency.", "# TYPE ctloop_log_flush_seconds histogram"]
        for b, n in zip(FLUSH_BUCKETS, s.flush_buckets, strict=True):
            lines.append(f'ctloop_log_flush_seconds_bucket{{le="{b}"}} {n}')
        lines += [f'ctloop_log_flush_seconds_bucket{{le="+Inf"}} {s.flush_count}',
                  f"ctloop_log_flush_seconds_sum {s.flush_sum:.6f}",
                  f"ctloop_log_flush_seconds_count {s.flush_count}"]
        return "\n".join(lines) + "\n"


__all__ = ["Sink", "Stats", "row_line", "table_from_lines"]
