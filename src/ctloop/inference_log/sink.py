"""The inference log sink: write-ahead log, request/response join, partitioned Parquet.

Durability — **write-ahead, fsync before the 2xx** (group commit)::

    POST ─► parse ─► pending ─┐   committer task: write all pending records to the current WAL
                              ├─► segment, one fsync (in a thread), then join them in memory and
    POST ─► parse ─► pending ─┘   answer every waiting request 200 at once

An event answered 2xx is therefore on disk before the answer leaves, and stays on disk until it
is in Parquet. Flush-before-ack was rejected: a Parquet file (or a gs:// object) per event, or
holding every answer for seconds until the next flush, cannot reach thousands of events per
second with a p99 in milliseconds, and a gs:// upload per request would put GCS latency on the
KServe agent's bounded queue (100 entries, no retry: ``pkg/logger/worker.go``).

A flush (every ``flush_rows`` joined rows or ``flush_seconds``), all in the commit lock up to the
Parquet write, so no event can slip between the steps:

1. commit what is pending to the current segment, then *rotate*: new events go to a new segment;
2. take the joined rows, plus requests/responses unpaired for longer than ``join_ttl_seconds``
   (written with the other side null and ``has_response``/``has_request`` false);
3. copy the events still waiting for their partner into the new segment and fsync it;
4. write Parquet ``<root>/model=<isvc>/date=<YYYY-MM-DD>/revision=<rev>/part-<uuid>.parquet``;
5. only then delete the old segments. If step 4 fails (disk full, GCS down) the rows go back to
   the buffer and the segments stay, so the next flush retries.

SIGTERM: uvicorn stops accepting, finishes in-flight requests (each still waits for its fsync),
then the lifespan shutdown calls :meth:`Sink.stop`, which flushes everything (unpaired events
included) and removes the WAL. After a crash (SIGKILL, OOM, node loss) the segments left behind
are replayed by :meth:`Sink.start`. Delivery is at-least-once: a crash between step 4 and step 5
replays those events again, so readers deduplicate on ``(request_id, instance)``.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ctloop.errors import ConfigError, CtloopError
from ctloop.inference_log.events import Event, decode_records, join, partition_value

log = logging.getLogger("ctloop.inference_log")

FLUSH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
COMMIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


@dataclass
class Histogram:
    buckets: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    n: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * len(self.buckets)

    def observe(self, value: float) -> None:
        i = bisect.bisect_left(self.buckets, value)
        if i < len(self.counts):
            self.counts[i] += 1
        self.total += value
        self.n += 1

    def lines(self, name: str) -> list[str]:
        out, running = [], 0
        for bound, count in zip(self.buckets, self.counts, strict=True):
            running += count
            out.append(f'{name}_bucket{{le="{bound}"}} {running}')
        out += [
            f'{name}_bucket{{le="+Inf"}} {self.n}',
            f"{name}_sum {self.total:.6f}",
            f"{name}_count {self.n}",
        ]
        return out


@dataclass
class Stats:
    received: int = 0
    accepted: dict[str, int] = field(default_factory=lambda: {"request": 0, "response": 0})
    rejected: dict[str, int] = field(default_factory=dict)
    events_written: int = 0
    rows_written: int = 0
    files_written: int = 0
    unpaired: dict[str, int] = field(
        default_factory=lambda: {"request_without_response": 0, "response_without_request": 0}
    )
    replayed: int = 0
    flush_failures: int = 0
    flush: Histogram = field(default_factory=lambda: Histogram(FLUSH_BUCKETS))
    commit: Histogram = field(default_factory=lambda: Histogram(COMMIT_BUCKETS))

    def reject(self, reason: str) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1


@dataclass
class _Slot:
    request: Event | None = None
    response: Event | None = None
    since: float = 0.0


def _write_fsync(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.fsync(fd)


class Sink:
    """Accepts parsed events durably and writes them as partitioned Parquet.

    Args:
        root: Parquet root, a local directory or ``gs://bucket/prefix``.
        wal_dir: local directory of the write-ahead log (a persistent volume in Kubernetes).
        flush_rows: flush when this many joined rows are buffered.
        flush_seconds: flush at least this often (seconds).
        join_ttl_seconds: how long a request waits for its response (and vice versa) before it is
            written unpaired.
        feature_names: per model (InferenceService name), the names of the features of v1
            list instances / a single v2 ``[N, k]`` tensor.
    """

    def __init__(
        self,
        root: str,
        wal_dir: str,
        *,
        flush_rows: int = 20000,
        flush_seconds: float = 5.0,
        join_ttl_seconds: float = 30.0,
        feature_names: dict[str, list[str]] | None = None,
    ):
        if not root:
            raise ConfigError("the sink needs a Parquet root: a local path or gs://bucket/prefix")
        if flush_rows < 1 or flush_seconds <= 0 or join_ttl_seconds < 0:
            raise ConfigError(
                f"flush_rows={flush_rows}, flush_seconds={flush_seconds}, "
                f"join_ttl_seconds={join_ttl_seconds}: use flush_rows >= 1, flush_seconds > 0 "
                "and join_ttl_seconds >= 0"
            )
        self.root = root.rstrip("/")
        self.wal_dir = Path(wal_dir)
        self.flush_rows = flush_rows
        self.flush_seconds = flush_seconds
        self.join_ttl = join_ttl_seconds
        self.feature_names = dict(feature_names or {})
        self.stats = Stats()
        self.ready = False
        self._open: dict[str, _Slot] = {}
        self._rows: list[dict[str, Any]] = []
        self._row_events = 0  # events behind self._rows
        self._pending: list[tuple[bytes, Event, asyncio.Future]] = []
        self._fd = -1
        self._segment: Path | None = None
        self._retired: list[Path] = []
        self._wal_pool: ThreadPoolExecutor | None = None
        self._wake: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None
        self._commit_lock: asyncio.Lock | None = None
        self._flush_lock: asyncio.Lock | None = None
        self._tasks: list[asyncio.Task] = []

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Replay segments left by a crash, then start the committer and the flusher."""
        self.wal_dir.mkdir(parents=True, exist_ok=True)
        self._wake, self._stop = asyncio.Event(), asyncio.Event()
        self._commit_lock, self._flush_lock = asyncio.Lock(), asyncio.Lock()
        self._wal_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ctloop-wal")
        leftovers = sorted(self.wal_dir.glob("segment-*.wal"))
        seen: set[tuple[str, str]] = set()
        for segment in leftovers:
            events, _ = decode_records(segment.read_bytes())
            for event in events:
                if (event.id, event.kind) not in seen:
                    seen.add((event.id, event.kind))
                    self._add(event)
                    self.stats.replayed += 1
        self._retired = leftovers
        self._open_segment()
        if leftovers:
            log.warning("replayed %d events from %d WAL segment(s)", len(seen), len(leftovers))
            await self.flush()
        self._tasks = [
            asyncio.create_task(self._committer(), name="ctloop-wal-committer"),
            asyncio.create_task(self._flusher(), name="ctloop-flusher"),
        ]
        self.ready = True

    async def stop(self) -> None:
        """Flush everything (the SIGTERM path) and remove the WAL; idempotent."""
        if not self._tasks:
            return
        self.ready = False
        self._stop.set()
        self._wake.set()
        await asyncio.gather(*self._tasks)
        self._tasks = []
        await self._commit()
        try:
            await self.flush(final=True)
        finally:
            self._wal_pool.shutdown(wait=True)
        if self._open or self._rows:  # the final write failed: keep the WAL for the restart
            log.error("final flush incomplete: %d rows stay in the WAL for replay", len(self._rows))
            os.close(self._fd)
            return
        os.close(self._fd)
        self._segment.unlink(missing_ok=True)

    def _open_segment(self) -> None:
        name = f"segment-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.wal"
        self._segment = self.wal_dir / name
        self._fd = os.open(self._segment, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    # ------------------------------------------------------------------ ingest
    async def accept(self, event: Event) -> None:
        """Return once ``event`` is fsynced in the WAL (then it is safe to answer 2xx)."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append((event.encode(), event, future))
        self._wake.set()
        await future
        self.stats.accepted[event.kind] += 1

    async def _committer(self) -> None:
        while not self._stop.is_set():
            await self._wake.wait()
            self._wake.clear()
            await self._commit()

    async def _commit(self) -> None:
        async with self._commit_lock:
            await self._commit_locked()

    async def _commit_locked(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        started = time.perf_counter()
        data = b"".join(record for record, _, _ in batch)
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._wal_pool, _write_fsync, self._fd, data)
        except OSError as exc:  # disk full or gone: answer 5xx, nothing is acknowledged
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        self.stats.commit.observe(time.perf_counter() - started)
        for _, event, future in batch:
            self._add(event)
            if not future.done():
                future.set_result(None)

    def _add(self, event: Event) -> None:
        slot = self._open.get(event.id)
        if slot is None:
            slot = self._open[event.id] = _Slot(since=time.monotonic())
        setattr(slot, event.kind, event)
        if slot.request is not None and slot.response is not None:
            del self._open[event.id]
            self._rows.extend(join(slot.request, slot.response, self.feature_names))
            self._row_events += 2

    @property
    def buffered_rows(self) -> int:
        return len(self._rows)

    @property
    def unpaired_events(self) -> int:
        return len(self._open)

    # ------------------------------------------------------------------ flush
    async def _flusher(self) -> None:
        last = time.monotonic()
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=0.05)
            except TimeoutError:
                pass
            if self._stop.is_set():
                return
            due = time.monotonic() - last >= self.flush_seconds
            if len(self._rows) >= self.flush_rows or (due and (self._rows or self._open)):
                await self.flush()
                last = time.monotonic()
            elif due:
                last = time.monotonic()

    async def flush(self, final: bool = False) -> int:
        """Write buffered rows (and expired or, if ``final``, all unpaired events) to Parquet.

        Returns the number of rows written; 0 if the write failed (the rows stay buffered and
        their WAL segments stay on disk).
        """
        async with self._flush_lock:
            started = time.perf_counter()
            async with self._commit_lock:
                await self._commit_locked()
                # rotation: from here on new events go to the new segment
                self._retired.append(self._segment)
                old_fd = self._fd
                self._open_segment()
                rows, self._rows = self._rows, []
                events, self._row_events = self._row_events, 0
                now = time.monotonic()
                carry: list[bytes] = []
                for key in list(self._open):
                    slot = self._open[key]
                    if final or now - slot.since > self.join_ttl:
                        del self._open[key]
                        rows.extend(join(slot.request, slot.response, self.feature_names))
                        events += 1
                        side = "request_without_response" if slot.request else None
                        self.stats.unpaired[side or "response_without_request"] += 1
                    else:
                        carry += [e.encode() for e in (slot.request, slot.response) if e]
                retired, self._retired = self._retired, []
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(self._wal_pool, os.close, old_fd)
                if carry:
                    await loop.run_in_executor(
                        self._wal_pool, _write_fsync, self._fd, b"".join(carry)
                    )
            if rows:
                try:
                    files = await asyncio.to_thread(self._write_parquet, rows)
                except (OSError, CtloopError, _gcs_errors()) as exc:
                    log.error(
                        "flush of %d rows failed, kept for the next flush: %s", len(rows), exc
                    )
                    self.stats.flush_failures += 1
                    self._rows[:0] = rows
                    self._row_events += events
                    self._retired[:0] = retired
                    return 0
                self.stats.files_written += files
            for segment in retired:
                segment.unlink(missing_ok=True)
            self.stats.rows_written += len(rows)
            self.stats.events_written += events
            self.stats.flush.observe(time.perf_counter() - started)
            return len(rows)

    def _write_parquet(self, rows: list[dict[str, Any]]) -> int:
        """One Parquet file per (model, date, revision) partition of ``rows``."""
        from ctloop.inference_log.store import rows_to_table, write_parquet

        groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for row in rows:
            key = (row["model"], str(row["time"])[:10], row["revision"])
            groups.setdefault(key, []).append(row)
        for (model, date, revision), part in sorted(groups.items()):
            uri = (
                f"{self.root}/model={partition_value(model)}/date={date}/"
                f"revision={partition_value(revision)}/part-{uuid.uuid4().hex}.parquet"
            )
            write_parquet(rows_to_table(part), uri)
        return len(groups)

    # ------------------------------------------------------------------ metrics
    def metrics_text(self) -> str:
        """Prometheus text exposition (format 0.0.4)."""
        s = self.stats
        out: list[str] = []

        def metric(name: str, kind: str, help_text: str, samples: list[str]) -> None:
            out.extend([f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", *samples])

        p = "ctloop_inference_log"
        metric(f"{p}_events_received_total", "counter", "POSTs received.",
               [f"{p}_events_received_total {s.received}"])  # fmt: skip
        metric(
            f"{p}_events_accepted_total",
            "counter",
            "Events acknowledged 2xx (fsynced in the WAL), by kind.",
            [f'{p}_events_accepted_total{{kind="{k}"}} {n}' for k, n in s.accepted.items()],
        )
        metric(
            f"{p}_events_rejected_total",
            "counter",
            "Events rejected with 4xx, by reason.",
            [
                f'{p}_events_rejected_total{{reason="{r}"}} {n}'
                for r, n in sorted(s.rejected.items())
            ],
        )
        metric(f"{p}_events_written_total", "counter", "Events written to Parquet.",
               [f"{p}_events_written_total {s.events_written}"])  # fmt: skip
        metric(f"{p}_rows_written_total", "counter", "Rows (instances) written to Parquet.",
               [f"{p}_rows_written_total {s.rows_written}"])  # fmt: skip
        metric(f"{p}_files_written_total", "counter", "Parquet files written.",
               [f"{p}_files_written_total {s.files_written}"])  # fmt: skip
        metric(
            f"{p}_unpaired_total",
            "counter",
            "Events written without their partner after the join TTL, by side.",
            [f'{p}_unpaired_total{{side="{k}"}} {n}' for k, n in s.unpaired.items()],
        )
        metric(f"{p}_replayed_events_total", "counter", "Events replayed from the WAL at start.",
               [f"{p}_replayed_events_total {s.replayed}"])  # fmt: skip
        metric(f"{p}_flush_failures_total", "counter", "Flushes that failed and will be retried.",
               [f"{p}_flush_failures_total {s.flush_failures}"])  # fmt: skip
        metric(f"{p}_buffered_rows", "gauge", "Joined rows waiting for the next flush.",
               [f"{p}_buffered_rows {len(self._rows)}"])  # fmt: skip
        metric(f"{p}_unpaired_events", "gauge", "Events waiting for their partner (by ce-id).",
               [f"{p}_unpaired_events {len(self._open)}"])  # fmt: skip
        metric(f"{p}_flush_seconds", "histogram", "Flush latency (WAL rotation to Parquet).",
               s.flush.lines(f"{p}_flush_seconds"))  # fmt: skip
        metric(f"{p}_wal_commit_seconds", "histogram", "Group commit latency (write + fsync).",
               s.commit.lines(f"{p}_wal_commit_seconds"))  # fmt: skip
        return "\n".join(out) + "\n"


def _gcs_errors() -> type[BaseException] | tuple[type[BaseException], ...]:
    """google-api-core's base error if it is installed (it is with google-cloud-storage)."""
    try:
        from google.api_core.exceptions import GoogleAPIError
    except ImportError:  # pragma: no cover - only without google-cloud-storage
        return ()
    return GoogleAPIError


__all__ = ["Sink", "Stats", "Histogram", "FLUSH_BUCKETS", "COMMIT_BUCKETS"]
