"""The inference log sink: write-ahead log, request/response join, partitioned Parquet.

Durability — **write-ahead**: an accepted event is appended to the current WAL segment and the
HTTP answer (2xx) is sent only after an ``fsync`` covering it (group commit: one fsync for all
events that arrived meanwhile, which is what makes thousands of events per second possible).
From then on the event is in a WAL segment or in Parquet, never only in memory:

* the WAL directory is fsynced after a segment is created (before anything is acknowledged from
  it) and after segments are deleted, so segment creation and removal survive a node crash too;
* flush: joined rows go to Parquet (``<root>/model=<isvc>/date=<YYYY-MM-DD>/revision=<rev>/
  part-<uuid>.parquet``); events still waiting for their partner are copied into the new WAL
  segment and fsynced; only then are the old segments deleted. For a local root each Parquet
  file is fsynced, renamed into place and its directory (and any directory created for it)
  fsynced before that delete; a ``gs://`` upload is durable when the call returns;
* SIGTERM (uvicorn's graceful shutdown): everything is flushed, unpaired events as rows with the
  missing side empty (``has_request`` / ``has_response``);
* a failed Parquet write (bucket unreachable, …) keeps the rows in memory and the segments they
  came from on disk; the next flush retries (``ctloop_log_flush_errors_total`` counts failures);
  partitions already written by the failed flush are not written again;
* start: segments left by a crash are replayed. A torn last line (an append cut by the crash,
  never acknowledged) is skipped with a warning; a corrupt line elsewhere is quarantined. Delivery
  is at-least-once: a crash between a Parquet write and the segment delete replays those events
  again — deduplicate on ``(request_id, instance)``.

**Nothing in an event can stop ingest.** Bodies are validated on arrival (400 ``bad_payload``).
A record the join still cannot turn into rows (a WAL line written before validation existed, a
corrupt line, a bug) is *quarantined*: written verbatim with its reason as one JSON line to
``<root>/_quarantine/date=<YYYY-MM-DD>/part-<uuid>.jsonl`` at the next flush, under the same
durability rules as Parquet, and counted (``ctloop_log_quarantined_total``). Readers of
``<root>/model=…`` never see it (and pyarrow datasets skip ``_``-prefixed directories).

**Failure is loud.** When the WAL cannot be written or fsynced (disk full, I/O error), or the
committer or flusher task dies, the sink is *failed*: every waiting and later event is answered
503 with the reason, ``/healthz`` and ``/readyz`` answer 503 with the reason (the liveness probe
restarts the pod, which replays the WAL), and ``ctloop_log_healthy`` drops to 0. A failed sink
deletes nothing: its segments are replayed by the next start.

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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ctloop.errors import InferenceLogError
from ctloop.inference_log import layout
from ctloop.inference_log.events import Event, PayloadError, join
from ctloop.inference_log.layout import QUARANTINE_DIR

log = logging.getLogger("ctloop.inference_log")
FLUSH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class SinkUnavailable(InferenceLogError):
    """The sink can no longer make events durable (WAL write/fsync failed, a task died): HTTP 503."""


@dataclass
class Stats:
    received: int = 0
    accepted: int = 0
    rows_written: int = 0
    events_written: int = 0  # CloudEvents whose rows are in Parquet (a complete pair counts 2)
    quarantined: int = 0  # records written to <root>/_quarantine
    wal_torn_lines: int = 0  # unterminated last lines skipped at replay
    unavailable: int = 0  # events answered 503
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


@dataclass
class _Part:
    """Buffered rows of one (model, date, revision) partition, as JSON lines."""

    lines: list[str] = field(default_factory=list)
    events: int = 0  # CloudEvents these rows came from


_encode = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
IDENTITY_SCHEMA = (("request_id", "string"), ("instance", "int64"), ("model", "string"), ("namespace", "string"),
                   ("revision", "string"), ("model_version", "string"), ("component", "string"), ("time", "string"),
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
    """JSON lines → Arrow table; identity columns typed, the rest inferred. A column with mixed
    types is kept as strings (JSON text of each value) instead of failing the flush; if Arrow
    still refuses (mixed types inside nested values), every nested value becomes JSON text."""
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
    identity = dict(IDENTITY_SCHEMA)
    kinds: dict[str, set[type]] = {}
    for row in rows:
        for key, value in row.items():
            if value is not None:
                kinds.setdefault(key, set()).add(float if type(value) is int else type(value))
    mixed = {k for k, t in kinds.items() if len(t) > 1 and k not in identity}
    for row in rows:
        for key in mixed:
            value = row.get(key)
            if value is not None and not isinstance(value, str):
                row[key] = json.dumps(value)
    try:
        return pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        for row in rows:
            for key, value in row.items():
                if isinstance(value, list | dict) and key not in identity:
                    row[key] = json.dumps(value)
        return pa.Table.from_pylist(rows)


def _warm_up_arrow() -> None:
    """pyarrow's first ``Table.from_pylist`` costs ~0.4 s (lazy initialisation); pay it at start,
    not in the first flush under load, where it shows up as an ingest-latency spike."""
    import pyarrow as pa

    pa.Table.from_pylist([{"a": 1.0, "b": "x", "c": True}])
    table_from_lines([row_line({"request_id": "warm-up", "instance": 0, "a": 1.0})])


def fsync_dir(path: Path) -> None:
    """Make the entries of a directory (created, renamed, deleted files) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, data: bytes) -> None:
    """Local file, crash-safe: temp file written and fsynced, renamed into place, then its
    directory fsynced, and the parent of every directory created for it."""
    created = []
    parent = path.parent
    while not parent.exists():
        created.append(parent)
        parent = parent.parent
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)
    for directory in created:  # deepest first: each new directory's entry in its parent
        fsync_dir(directory.parent)


def _fsync_file_and_dir(fd: int, directory: Path) -> None:
    os.fsync(fd)
    fsync_dir(directory)


def _delete_segments(segments: list[Path], directory: Path) -> None:
    for seg in segments:
        seg.unlink(missing_ok=True)
    if segments:
        fsync_dir(directory)


class Sink:
    def __init__(self, root: str, wal_dir: str, *, flush_rows: int = 20000, flush_seconds: float = 5.0,
                 join_ttl_seconds: float = 30.0):
        self.root = root.rstrip("/")
        self.wal_dir = Path(wal_dir)
        self.flush_rows = flush_rows
        self.flush_seconds = flush_seconds
        self.join_ttl = join_ttl_seconds
        self.stats = Stats()
        self.failure: str | None = None  # set once the sink can no longer make events durable
        self._open: dict[str, dict[str, Any]] = {}  # ce-id -> {"request": Event, "response": Event, "t": float}
        self._parts: dict[tuple[str, str, str], _Part] = {}  # (model, date, revision) -> buffered rows
        self._quarantine: list[str] = []  # JSON lines for <root>/_quarantine
        self._n_rows = 0
        self._retired: list[Path] = []  # segments whose events are buffered, not yet in Parquet
        self._batch: list[tuple[asyncio.Future, Event]] = []
        self._wake: asyncio.Event | None = None
        self._wal = None
        self._segment: Path | None = None
        self._tasks: list[asyncio.Task] = []
        self._flush_lock: asyncio.Lock | None = None
        self._commit_lock: asyncio.Lock | None = None
        self._closing = False

    @property
    def closing(self) -> bool:
        """True once :meth:`stop` began (shutdown drains; ``/readyz`` answers 503)."""
        return self._closing

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self.wal_dir.mkdir(parents=True, exist_ok=True)
        self._wake = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._commit_lock = asyncio.Lock()
        old = sorted(self.wal_dir.glob("segment-*.wal"))
        self._open_segment()
        fsync_dir(self.wal_dir)
        if old:  # crash recovery: replay, persist, then forget the old segments
            for seg in old:
                self._replay(seg)
            self._retired.extend(old)
            log.warning("replayed %d WAL segment(s) left by an unclean stop", len(old))
            await self._flush_logged()  # a failed Parquet write is retried by the flusher, not fatal
            if self.failure is not None:  # the WAL itself is unusable: let the server exit with the reason
                raise SinkUnavailable(self.failure)
        await asyncio.to_thread(_warm_up_arrow)
        self._tasks = [asyncio.create_task(self._committer(), name="committer"),
                       asyncio.create_task(self._flusher(), name="flusher")]
        for task in self._tasks:
            task.add_done_callback(self._task_done)

    def _replay(self, seg: Path) -> None:
        """One segment back into the buffers. Every line but the last ends with a newline; a last
        line without one was cut by the crash mid-append and never acknowledged: skipped."""
        *lines, tail = seg.read_bytes().split(b"\n")
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                event = Event.from_json(raw.decode("utf-8"))
            except (ValueError, TypeError) as exc:  # JSON, UTF-8, missing fields, bad values
                log.error("quarantined corrupt WAL line %s:%d: %s", seg.name, number, exc)
                self._set_aside(f"corrupt WAL line {seg.name}:{number}: {exc}",
                                wal_line=raw.decode("utf-8", errors="backslashreplace"))
                continue
            self._add(event)
        if tail.strip(b"\0 \t\r"):
            try:
                event = Event.from_json(tail.decode("utf-8"))
            except (ValueError, TypeError):
                self.stats.wal_torn_lines += 1
                log.warning("skipped the torn last line of %s (%d bytes): an append cut by a crash, never "
                            "acknowledged", seg.name, len(tail))
            else:
                self._add(event)

    async def stop(self) -> None:
        """Flush everything (SIGTERM path) and remove the WAL."""
        self._closing = True
        if self.failure is not None:  # nothing is deleted: the next start replays the segments
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._fail_waiting()
            log.error("stopping a failed sink (%s): WAL segments kept for the replay", self.failure)
            return
        async with self._flush_lock:  # never cancel the flusher in the middle of a flush
            self._tasks[1].cancel()
            await asyncio.gather(self._tasks[1], return_exceptions=True)
        await self._commit()  # waits for an fsync in flight, then commits what is left
        self._tasks[0].cancel()
        await asyncio.gather(self._tasks[0], return_exceptions=True)
        await self._commit()
        await self.flush(final=True)

    def _open_segment(self) -> None:
        """A new current segment; the caller fsyncs the directory before acknowledging from it."""
        segment = self.wal_dir / f"segment-{time.time_ns():020d}-{uuid.uuid4().hex[:6]}.wal"
        self._wal = open(segment, "a", buffering=1 << 20)
        self._segment = segment

    # ------------------------------------------------------------------ failure
    def _fail(self, reason: str) -> None:
        if self.failure is None:
            self.failure = reason
            log.error("inference log sink failed, answering 503 until restarted: %s", reason)
        self._fail_waiting()

    def _fail_waiting(self) -> None:
        batch, self._batch = self._batch, []
        for fut, _ in batch:
            if not fut.done():
                fut.set_exception(SinkUnavailable(self.failure or "the sink is stopping"))

    def _task_done(self, task: asyncio.Task) -> None:
        if task.cancelled():
            if not self._closing:
                self._fail(f"the {task.get_name()} task was cancelled")
            return
        exc = task.exception()
        self._fail(f"the {task.get_name()} task died: {exc!r}" if exc else f"the {task.get_name()} task ended")

    # ------------------------------------------------------------------ ingest
    async def accept(self, event: Event) -> None:
        """Returns once the event is durable in the WAL (written and fsynced by a commit); raises
        :class:`SinkUnavailable` when the sink has failed."""
        if self.failure is not None:
            raise SinkUnavailable(self.failure)
        fut = asyncio.get_running_loop().create_future()
        self._batch.append((fut, event))
        self._wake.set()
        await fut
        self.stats.accepted += 1

    async def _commit_locked(self) -> None:
        """Write the waiting events to the current segment, fsync it, then acknowledge them.

        The write and the fsync always hit the same file: a rotation (``flush``) holds the same
        lock, so an event can never be acknowledged from a segment that is about to be deleted.
        A write or fsync error fails the sink (after a failed fsync the page cache may already
        have dropped the data: retrying could acknowledge what is not on disk).
        """
        if not self._batch:
            return
        if self.failure is not None:
            self._fail_waiting()
            return
        batch, self._batch = self._batch, []
        try:
            wal = self._wal
            wal.write("".join(event.to_json() + "\n" for _, event in batch))
            wal.flush()
            await asyncio.to_thread(os.fsync, wal.fileno())
        except (OSError, ValueError) as exc:  # ValueError: I/O on a closed file
            self._batch = batch + self._batch
            self._fail(f"cannot write the write-ahead log {self._segment}: {exc}")
            return
        for fut, _ in batch:  # durable: acknowledge first, then join (which cannot fail a commit)
            if not fut.done():
                fut.set_result(None)
        for _, event in batch:
            self._add(event)

    async def _commit(self) -> None:
        async with self._commit_lock:
            await self._commit_locked()

    async def _committer(self) -> None:
        while self.failure is None:
            await self._wake.wait()
            self._wake.clear()
            await self._commit()

    def _add(self, event: Event) -> None:
        slot = self._open.setdefault(event.id, {"request": None, "response": None, "t": time.monotonic()})
        slot[event.kind] = event
        if slot["request"] is not None and slot["response"] is not None:
            self._buffer(slot["request"], slot["response"])
            del self._open[event.id]

    def _buffer(self, request: Event | None, response: Event | None) -> None:
        """Joined rows into their partition's buffer; a record the join refuses is quarantined."""
        try:
            rows = join(request, response)
            lines = [row_line(row) for row in rows]
        except PayloadError as exc:
            self._set_aside(str(exc), request, response)
            return
        except Exception as exc:  # noqa: BLE001 - a bug in join must never stop ingest: keep the events verbatim
            log.exception("join failed for %s; quarantined", (request or response).id)
            self._set_aside(f"join failed: {type(exc).__name__}: {exc}", request, response)
            return
        first = rows[0]
        key = (first["model"], first["time"][:10], first["revision"])
        part = self._parts.get(key)
        if part is None:
            part = self._parts[key] = _Part()
        part.lines.extend(lines)
        part.events += (request is not None) + (response is not None)
        self._n_rows += len(lines)

    def _set_aside(self, reason: str, request: Event | None = None, response: Event | None = None,
                   wal_line: str | None = None) -> None:
        record: dict[str, Any] = {"reason": reason, "time": datetime.now(UTC).isoformat()}
        if wal_line is not None:
            record["wal_line"] = wal_line
        for name, event in (("request", request), ("response", response)):
            if event is not None:
                record[name] = {k: v for k, v in event.__dict__.items() if k != "raw"}
        # default=repr: whatever the record holds, setting it aside must not fail
        self._quarantine.append(json.dumps(record, separators=(",", ":"), default=repr))

    async def _flusher(self) -> None:
        last = time.monotonic()
        while self.failure is None:
            await asyncio.sleep(0.05)
            if self._n_rows >= self.flush_rows or time.monotonic() - last >= self.flush_seconds:
                await self._flush_logged()
                last = time.monotonic()

    async def _flush_logged(self) -> None:
        try:
            await self.flush()
        except SinkUnavailable:
            return  # already failed and logged
        except Exception:  # noqa: BLE001 - rows and segments are kept; the next flush retries
            log.exception("flush failed; %d rows kept in memory and in the WAL, retrying", self._n_rows)

    # ------------------------------------------------------------------ flush
    async def flush(self, final: bool = False) -> int:
        """Rows to Parquet (and quarantined records to ``_quarantine``), then the WAL segments
        they came from are dropped.

        Under the commit lock, in one step: commit what is waiting into the current segment,
        open a new segment and retire the old one, take the buffered rows, and copy events still
        waiting for their partner into the new segment (fsynced, with its directory). Then,
        outside the lock, write Parquet; only after that are the retired segments deleted. If a
        write fails the unwritten rows go back into the buffer and the segments stay: a crash at
        any point leaves every acknowledged event in a segment or in Parquet (possibly both:
        at-least-once).
        """
        async with self._flush_lock:
            if self.failure is not None:
                raise SinkUnavailable(self.failure)
            started = time.perf_counter()
            async with self._commit_lock:
                await self._commit_locked()
                if self.failure is not None:
                    raise SinkUnavailable(self.failure)
                old_wal, old_segment = self._wal, self._segment
                try:
                    self._open_segment()
                    old_wal.close()
                except OSError as exc:
                    self._fail(f"cannot rotate the write-ahead log in {self.wal_dir}: {exc}")
                    raise SinkUnavailable(self.failure) from exc
                self._retired.append(old_segment)
                now = time.monotonic()
                expired = [k for k, v in self._open.items() if final or now - v["t"] > self.join_ttl]
                for key in expired:
                    slot = self._open.pop(key)
                    self._buffer(slot["request"], slot["response"])
                parts, self._parts, self._n_rows = self._parts, {}, 0
                quarantine, self._quarantine = self._quarantine, []
                retired, self._retired = self._retired, []
                carried = [slot[kind].to_json() + "\n" for slot in self._open.values()
                           for kind in ("request", "response") if slot[kind] is not None]
                try:
                    if carried:
                        self._wal.write("".join(carried))
                    self._wal.flush()
                    await asyncio.to_thread(_fsync_file_and_dir, self._wal.fileno(), self.wal_dir)
                except (OSError, ValueError) as exc:
                    self._fail(f"cannot write the write-ahead log {self._segment}: {exc}")
                    raise SinkUnavailable(self.failure) from exc
            n_rows = sum(len(p.lines) for p in parts.values())
            n_events = sum(p.events for p in parts.values())
            n_quarantined = len(quarantine)
            try:
                await asyncio.to_thread(self._write, parts, quarantine)
            except BaseException:
                self.stats.flush_errors += 1
                left = sum(len(p.lines) for p in parts.values())  # partitions written are gone from parts
                self.stats.rows_written += n_rows - left
                self.stats.events_written += n_events - sum(p.events for p in parts.values())
                self.stats.quarantined += n_quarantined - len(quarantine)
                for key, part in self._parts.items():  # what arrived meanwhile goes behind
                    if key in parts:
                        parts[key].lines.extend(part.lines)
                        parts[key].events += part.events
                    else:
                        parts[key] = part
                self._parts = parts
                self._n_rows = sum(len(p.lines) for p in parts.values())
                self._quarantine = quarantine + self._quarantine
                self._retired = retired + self._retired
                raise
            self.stats.rows_written += n_rows
            self.stats.events_written += n_events
            self.stats.quarantined += n_quarantined
            try:
                await asyncio.to_thread(_delete_segments, retired, self.wal_dir)
            except OSError:
                self._retired = retired + self._retired  # the next flush deletes them (or a replay dedups)
                raise
            if final and not self._open and self._closing:
                self._wal.close()
                await asyncio.to_thread(_delete_segments, [self._segment], self.wal_dir)
            self.stats.observe_flush(time.perf_counter() - started)
            return n_rows

    def _write(self, parts: dict[tuple[str, str, str], _Part], quarantine: list[str]) -> None:
        """One Parquet file per (model, date, revision) partition, then the quarantine file.
        Each partition leaves ``parts`` once written, each quarantine line ``quarantine``: a
        failure part-way leaves exactly what still has to be written (runs in a worker thread on
        the flush's own snapshot)."""
        import io

        import pyarrow.parquet as pq

        for key in sorted(parts):
            model, date, revision = key
            buf = io.BytesIO()
            pq.write_table(table_from_lines(parts[key].lines), buf)
            self._store(layout.data_file(model, date, revision, f"part-{uuid.uuid4().hex}.parquet"),
                        buf.getvalue())
            del parts[key]
        if quarantine:
            day = datetime.now(UTC).date().isoformat()
            self._store(layout.quarantine_file(day, f"part-{uuid.uuid4().hex}.jsonl"),
                        ("\n".join(quarantine) + "\n").encode())
            quarantine.clear()

    def _store(self, relative: str, data: bytes) -> None:
        from ctloop.storage import is_gcs, write_bytes

        if is_gcs(self.root):
            write_bytes(f"{self.root}/{relative}", data)  # durable once the upload call returns
        else:
            write_durably(Path(self.root) / relative, data)

    # ------------------------------------------------------------------ metrics
    def metrics_text(self) -> str:
        s = self.stats

        def counter(name: str, help_text: str, value: int) -> list[str]:
            return [f"# HELP {name} {help_text}", f"# TYPE {name} counter", f"{name} {value}"]

        lines = [
            *counter("ctloop_log_events_received_total", "Events received.", s.received),
            *counter("ctloop_log_events_accepted_total", "Events acknowledged (durable in the WAL).", s.accepted),
            *counter("ctloop_log_events_written_total",
                     "Events whose rows are in Parquet (a request/response pair counts two).", s.events_written),
            *counter("ctloop_log_rows_written_total", "Rows written to Parquet.", s.rows_written),
            *counter("ctloop_log_quarantined_total",
                     "Records the join could not use, written verbatim to <root>/_quarantine.", s.quarantined),
            *counter("ctloop_log_wal_torn_lines_total",
                     "Unterminated last WAL lines (never acknowledged) skipped at replay.", s.wal_torn_lines),
            *counter("ctloop_log_events_unavailable_total",
                     "Events answered 503 because the sink had failed.", s.unavailable),
            "# HELP ctloop_log_events_rejected_total Events rejected, by reason.",
            "# TYPE ctloop_log_events_rejected_total counter",
        ]
        lines += [f'ctloop_log_events_rejected_total{{reason="{r}"}} {n}' for r, n in sorted(s.rejected.items())]
        lines += ["# HELP ctloop_log_healthy 1 while events can be made durable, 0 once the sink has failed.",
                  "# TYPE ctloop_log_healthy gauge", f"ctloop_log_healthy {0 if self.failure else 1}",
                  "# HELP ctloop_log_buffered_rows Rows waiting for the next flush.", "# TYPE ctloop_log_buffered_rows gauge",
                  f"ctloop_log_buffered_rows {self._n_rows}",
                  *counter("ctloop_log_flush_errors_total", "Flushes that failed (rows kept, retried).", s.flush_errors),
                  "# HELP ctloop_log_flush_seconds Flush latency.", "# TYPE ctloop_log_flush_seconds histogram"]
        for b, n in zip(FLUSH_BUCKETS, s.flush_buckets, strict=True):
            lines.append(f'ctloop_log_flush_seconds_bucket{{le="{b}"}} {n}')
        lines += [f'ctloop_log_flush_seconds_bucket{{le="+Inf"}} {s.flush_count}',
                  f"ctloop_log_flush_seconds_sum {s.flush_sum:.6f}",
                  f"ctloop_log_flush_seconds_count {s.flush_count}"]
        return "\n".join(lines) + "\n"


__all__ = ["Sink", "SinkUnavailable", "Stats", "row_line", "table_from_lines", "write_durably", "fsync_dir",
           "QUARANTINE_DIR"]
