"""The inference log sink: write-ahead log, request/response join, partitioned Parquet.

Durability — **write-ahead**: an accepted event is appended to the current WAL segment and the
HTTP answer (2xx) is sent only after an ``fsync`` covering it (group commit: one fsync for all
events that arrived meanwhile, which is what makes thousands of events per second possible).
Commits are pipelined: up to :data:`FSYNC_SLOTS` fsyncs are in flight at once, each started
after its batch was written, each on a descriptor of its own (a write-back error is reported to
every descriptor open when it happened, so no fsync can miss one another fsync consumed), and
batches are acknowledged strictly in order, a batch only once it and every batch before it were
fsynced without error. Journalling filesystems commit concurrent fsyncs together: on the test
machine 1 fsync at a time gave 200 fsyncs/s, 4 at a time 2,350. From then on the event is in a
WAL segment or in Parquet, never only in memory:

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
``<root>/model=…`` never see it (and pyarrow datasets skip ``_``-prefixed directories). A
response with more or fewer rows than its request (v1 ``predictions`` against ``instances``, a
v2 output tensor's first dimension against the input rows) cannot be paired instance by instance: the request's rows are written without a response (``has_response``
false), the pair is quarantined with the reason and counted (``ctloop_log_mismatched_pairs_total``).

**Failure is loud.** When the WAL cannot be written or fsynced (disk full, I/O error), or the
committer or flusher task dies, the sink is *failed*: every waiting and later event is answered
503 with the reason, ``/healthz`` and ``/readyz`` answer 503 with the reason (the liveness probe
restarts the pod, which replays the WAL), and ``ctloop_log_healthy`` drops to 0. A failed sink
deletes nothing: its segments are replayed by the next start.

**One bad row never blocks the others.** Building a partition's Arrow table or its Parquet bytes
is pure computation: if it fails, the partition is retried row by row, the rows that fail alone
are quarantined with the error (``ctloop_log_rows_quarantined_total``) and the rest is written.
Only storage errors (the bucket or disk) make a flush fail and retry.

**Types are stable across files** (:mod:`ctloop.inference_log.schema`): each column of a model
has one type, the first one the log saw, recorded in ``<root>/_schema/model=<model>.json``;
nested values are JSON text, numbers are ``double``; a value that does not fit its column is
null there and kept in ``_mistyped``. A model has at most ``max_columns`` feature columns
(``--max-columns``; predictions and ``meta_*`` not counted): once they are taken, the values of a
new feature are kept in the row's ``_overflow`` (JSON text), counted (``ctloop_log_overflow_values_total``) and warned about once
per model and process.

**A reused ``ce-id`` is never dropped, nor cross-paired.** KServe's agent gives a request and its
response the same ``ce-id``; a second request (or response) with an id that is still waiting for
its partner is kept too (``ctloop_log_duplicate_ids_total``), and from then on none of the events
waiting under that id pairs as it arrives: the agent's workers send the events of two calls sharing
a ``Ce-Id`` in any order. They are written together once the first is ``join_ttl`` old
(``ctloop_log_ambiguous_ids_total`` counts such ids, once each, when the second event of one kind
arrives), paired where their ``ce-time`` leaves a response one request to answer
(:func:`_pair_by_time`, ``ctloop_log_time_paired_total``), the rest as half rows; a response is
never paired with a request stamped after it;
a flush copies them into the new WAL segment the larger kind first, so a replay sees the ambiguity
again before it could pair anything. Rows of different events
sharing an id share ``request_id``: readers merge the rows of one call (the same request time) and
keep the calls apart; a label keyed by that ``request_id`` joins none of them (:mod:`ctloop.labels.join`).

Rows are kept as JSON lines per partition as pairs complete, and a flush turns them into Arrow
with pyarrow's JSON reader, which runs without the GIL: the event loop keeps answering while a
flush runs (converting Python dicts held the GIL for tens of milliseconds per flush, which was
the whole p99 tail). Non-finite numbers (``NaN``/``Infinity``, which JSON does not have) are
written as null.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ctloop.errors import ConfigError, InferenceLogError
from ctloop.inference_log import layout, schema
from ctloop.inference_log.defaults import (
    CLOCK_SKEW_SECONDS,
    FLUSH_ROWS,
    FLUSH_SECONDS,
    MAX_COLUMNS,
    MAX_VALUES,
    SINK_JOIN_TTL_SECONDS,
    TEMP_GRACE_SECONDS,
    VALUES_DIVISOR,
)
from ctloop.inference_log.events import (
    REASONS,
    Event,
    PairMismatch,
    PayloadError,
    _dumps_body,
    count_values,
    error_text,
    inference_id,
    join,
    time_order,
    whole_inputs,
)
from ctloop.inference_log.layout import QUARANTINE_DIR
from ctloop.inference_log.settings import broken_link

log = logging.getLogger("ctloop.inference_log")
FSYNC_SLOTS = 4  # WAL fsyncs in flight at once (pipelined group commit)
# an event of KServe's agent delivered again (a retry outside the agent: a mesh retrying a POST whose
# answer it lost) is kept once when the copy comes within this many seconds of the first (and while
# at most REDELIVERY_EVENTS later events came): the agent's own events each carry their send's
# nanosecond ce-recordedtime (Event.recorded). About 170 bytes an event remembered: 17 MB at most (tracemalloc, 100,000 digests)
REDELIVERY_SECONDS = 120.0
REDELIVERY_EVENTS = 100_000
_MASK64 = (1 << 64) - 1
FLUSH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


# why an event is refused (503) once the final flush has taken the last commit (SIGTERM, after the
# drain timeout): KServe's agent does not retry it, so it is counted (events_unavailable_total)
STOPPING = ("the sink is stopping: its final flush took the last commit (events still coming once the drain "
            "timeout ran out cannot be stored here)")
# ... and once :meth:`Sink.abandon` stopped it, which flushes nothing (``ctloop logger import`` after a failed read)
ABANDONED = ("the sink was abandoned: it stopped without a final flush, its WAL segments kept (events still "
             "coming cannot be stored here)")


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
    wal_set_aside: int = 0  # replayed WAL lines over the values cap, quarantined instead of joined
    unavailable: int = 0  # events answered 503
    rows_quarantined: int = 0  # rows whose table/Parquet conversion failed alone (in the quarantine)
    mistyped: int = 0  # values that did not fit their column's type (kept in _mistyped)
    overflow: int = 0  # values of keys that found their model's columns full (kept in _overflow)
    duplicate_ids: int = 0  # events whose ce-id already had an event of the same kind waiting
    ambiguous_ids: int = 0  # ce-ids that came to have two events of one kind waiting (once per id)
    time_paired: int = 0  # pairs of such ids told apart by their ce-time or body ids when written (_pair_by_time)
    mismatched_pairs: int = 0  # pairs with more or fewer response rows than request rows (quarantined)
    error_responses: int = 0  # responses reporting {"error": ...} instead of predictions (rows marked _error)
    clock_skewed: int = 0  # events received whose producer's clock was off ours (events.clock_offset)
    last_flush_ok: float = 0.0  # unix time of the last flush that wrote everything
    flush_failing_since: float | None = None  # unix time of the first failed flush since then
    last_flush_error: str | None = None
    rejected: dict[str, int] = field(default_factory=dict)  # refused events by reason (every reason exported, 0 until refused)
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

    lines: list[bytes] = field(default_factory=list)
    events: int = 0  # CloudEvents these rows came from
    # line index -> the columns whose value was written as its JSON text at arrival (a number or
    # bool in a column this process typed ``string``): a retyping reads them back as sent
    converted: dict[int, tuple[str, ...]] = field(default_factory=dict)

    def add(self, lines: list[bytes], converted: dict[int, tuple[str, ...]], events: int) -> None:
        """Buffer ``lines`` (``converted``: index in ``lines`` -> its converted columns, :func:`schema.normalise`)."""
        if converted:
            at = len(self.lines)
            self.converted.update((at + i, columns) for i, columns in converted.items())
        self.lines.extend(lines)
        self.events += events

    def extend(self, other: _Part) -> None:
        """``other``'s rows after these (a failed flush's rows, then those that arrived meanwhile)."""
        at = len(self.lines)
        self.converted.update((at + i, columns) for i, columns in other.converted.items())
        self.lines.extend(other.lines)
        self.events += other.events


def row_line(row: dict[str, Any]) -> bytes:
    """One row as a JSON line (NaN/Infinity → null: JSON has no such numbers; :func:`schema.row_json`)."""
    return schema.row_json(row)


def table_from_lines(lines: list[bytes], types: dict[str, str] | None = None):
    """JSON lines → Arrow table with an explicit schema: identity columns and every column of
    ``types`` (:mod:`~ctloop.inference_log.schema`), so every file of a model has every column
    registered so far. Raises an Arrow error when a line does not fit (the caller isolates it)."""
    import io

    import pyarrow.json as pj

    data = b"\n".join(lines)
    return pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(use_threads=False, block_size=len(data) + 1),
                        parse_options=pj.ParseOptions(explicit_schema=schema.arrow_schema(types or {}),
                                                      unexpected_field_behavior="error"))


def _parquet_bytes(lines: list[bytes], types: dict[str, str]) -> bytes:
    import io

    import pyarrow.parquet as pq

    buf = io.BytesIO()
    table = table_from_lines(lines, types)
    pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), schema.FORMAT_KEY: schema.FORMAT}),
                   buf)
    return buf.getvalue()


def _parquet(part: _Part, types: dict[str, str],
             conflicts: dict[str, str] | None) -> tuple[bytes | None, list[tuple[bytes, str]]]:
    """A partition's Parquet bytes and the rows left out with the reason. Building a table is
    pure computation, so a failure is the data's: the rows are bisected until the ones that fail
    alone are found; every other row is written."""
    import pyarrow as pa

    lines = part.lines
    converted = part.converted
    if conflicts:  # typed before the registry said otherwise (another replica was first)
        lines = [_retype(line, types, converted=converted.get(i, ())) for i, line in enumerate(lines)]
    try:
        return _parquet_bytes(lines, types), []
    except pa.ArrowException:
        pass
    if not conflicts:  # rows buffered while a flush took the registry's word (another replica's
        # type): typed before it, so no conflict is known for them; retyped, a value that does not
        # fit is kept in _mistyped, as at arrival, instead of the whole row being quarantined
        lines = [_retype(line, types, keep=True, converted=converted.get(i, ())) for i, line in enumerate(lines)]
        try:
            return _parquet_bytes(lines, types), []
        except pa.ArrowException:
            pass
    good: list[bytes] = []
    bad: list[tuple[bytes, str]] = []

    def split(chunk: list[bytes]) -> None:
        try:
            _parquet_bytes(chunk, types)
        except (pa.ArrowException, ValueError) as exc:  # ValueError: a line orjson cannot read
            if len(chunk) == 1:
                bad.append((chunk[0], f"{type(exc).__name__}: {exc}"[:500]))
                return
            half = len(chunk) // 2
            split(chunk[:half])
            split(chunk[half:])
            return
        good.extend(chunk)

    split(lines)
    return (_parquet_bytes(good, types) if good else None), bad


def _retype(line: bytes, types: dict[str, str], keep: bool = False, converted: tuple[str, ...] = ()) -> bytes:
    """``line`` with its values typed by ``types`` from the values as sent: the ``converted`` columns
    (written as their JSON text at arrival) read back from it, the values set aside in ``_mistyped``
    at arrival put back; those that do not fit ``types`` go (back) to ``_mistyped``. ``keep``: a line
    that is no JSON object orjson reads comes back as it was (the bisection names it)."""
    try:
        row = orjson.loads(line)
    except ValueError:
        if keep:
            return line
        raise
    if not isinstance(row, dict):
        return line
    for column in converted:
        text = row.get(column)
        if type(text) is str:
            row[column] = orjson.loads(text)  # written by orjson (schema.json_text)
    aside = row.pop(schema.MISTYPED, None)
    if aside:
        row.update(json.loads(aside))  # NaN as sent included
    schema.normalise(row, types, {})
    return schema.row_json(row)


def _warm_up_arrow() -> None:
    """pyarrow's first JSON read and Parquet write cost ~0.4 s (lazy initialisation); pay it at
    start, not in the first flush under load, where it shows up as an ingest-latency spike."""
    import io

    import pyarrow.parquet as pq

    table = table_from_lines([row_line({"request_id": "warm-up", "instance": 0, "a": 1.0})], {"a": "double"})
    pq.write_table(table, io.BytesIO())


def fsync_dir(path: Path) -> None:
    """Make the entries of a directory (created, renamed, deleted files) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, data: bytes) -> None:
    """Local file, crash-safe: temp file written and fsynced, renamed into place, then its
    directory fsynced, and the parent of every directory created for it. The temp file is
    ``.<name>.tmp``: a process killed before the rename leaves it where ``pyarrow.dataset`` and
    Spark list data, and they skip only names starting with ``.`` or ``_`` (before round 45,
    ``<name>.tmp`` was read as Parquet: the flush's rows twice once the WAL replay wrote them again,
    or ``Parquet magic bytes not found`` for a file cut short). A write, fsync or rename that fails
    removes the temp file before the error propagates (before the fix of round 45's review, each
    failed flush on a full disk left one more)."""
    created = []
    parent = path.parent
    while not parent.exists():
        created.append(parent)
        parent = parent.parent
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError:  # a full disk, an I/O error: no temp file left behind per failed flush
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # the error that matters is the write's
        raise
    fsync_dir(path.parent)
    for directory in created:  # deepest first: each new directory's entry in its parent
        fsync_dir(directory.parent)


def _written_temp(name: str) -> bool:
    """Whether a file name is one :func:`write_durably` (``.<name>.tmp``), ``ctloop.storage``'s
    atomic writes (``.<name>.<8 hex>.tmp``) or the sink before round 45 (``<name>.tmp`` of a
    ``.parquet``, ``.jsonl`` or ``.json`` file) gave a file while it was written."""
    if not name.endswith(".tmp"):
        return False
    return name.startswith(".") or name[:-4].endswith((".parquet", ".jsonl", ".json"))


def sweep_temp_files(root: str, grace_seconds: float = TEMP_GRACE_SECONDS) -> list[str]:
    """Remove the temporary files of writes a crash cut short (:func:`_written_temp`) under the
    log's own directories of a local ``root`` (``model=…``, ``_…``: :func:`layout.is_log_path`),
    when last modified more than ``grace_seconds`` ago: a write in progress, by this process or
    another sink replica sharing the volume, renames its file within seconds of its last write.
    Returns the paths removed; one that cannot be removed is logged and left (never fatal). An
    object-store root has none: an upload is whole or absent."""
    from ctloop.storage import is_remote

    if is_remote(root) or not os.path.isdir(root):
        return []
    removed: list[str] = []
    cutoff = time.time() - grace_seconds
    for directory, subdirs, files in os.walk(root):
        relative = os.path.relpath(directory, root)
        if relative == ".":
            subdirs[:] = [d for d in subdirs if layout.is_log_path(d)]  # another tool's tree: not looked at
            continue
        for name in files:
            if not _written_temp(name):
                continue
            path = os.path.join(directory, name)
            try:
                if os.lstat(path).st_mtime >= cutoff:
                    continue  # being written right now, maybe by another replica
                os.unlink(path)
            except FileNotFoundError:
                continue  # renamed or removed meanwhile
            except OSError as exc:
                log.warning("cannot remove %s, the temporary file of a write a crash cut short: %s", path, exc)
                continue
            removed.append(path)
    return removed


def _open_lock_file(path: Path) -> tuple[int, bool]:
    """A descriptor of the WAL directory's lock file ``path`` (created ``0644`` when missing,
    whatever the umask: it holds only a pid, and a sink of another user must open it to lock) and
    whether it is writable. A lock file another user owns (a root run before a non-root one, a new
    ``runAsUser`` on an ``fsGroup`` volume: ``0644``, not ours) is opened read-only: ``flock``
    locks a read-only descriptor alike, only the holder's pid is not written. Any other failure is
    one :class:`ConfigError` naming ``--wal`` and the file."""
    import errno

    flags = os.O_CLOEXEC
    try:
        fd = os.open(path, flags | os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError:  # there already (or not to be made: said below)
        pass
    else:  # 0644 whatever the umask (077 made it 0600): a sink of another user can still lock it
        with contextlib.suppress(OSError):  # a filesystem without modes: it locks alike
            os.fchmod(fd, 0o644)
        return fd, True
    try:
        return os.open(path, flags | os.O_RDWR | os.O_CREAT, 0o644), True
    except OSError as exc:
        first = exc
    if first.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        try:
            return os.open(path, flags | os.O_RDONLY), False
        except OSError as exc:
            first = exc
    raise ConfigError(f"--wal {str(path.parent)!r}: cannot open its lock file {str(path)!r}: "
                      f"{first.strerror or first} (the sink's user must be able to read it, and to write the "
                      "directory)") from None


def _fsync_file_and_dir(fd: int, directory: Path) -> None:
    os.fsync(fd)
    fsync_dir(directory)


def _delete_segments(segments: list[Path], directory: Path) -> None:
    for seg in segments:
        seg.unlink(missing_ok=True)
    if segments:
        fsync_dir(directory)


def _same_event(a: Event, b: Event) -> bool:
    """Whether ``a`` and ``b`` are one WAL line replayed twice (a crash between a flush's carry and
    its delete): the same line id, which the sink gives each event when it first commits it and a
    carry keeps. Events alike in every attribute and body are still two calls (a client reusing its
    ``Ce-Id`` with its own second-precision ``ce-time``, a hedged or retried call): both kept, the
    id ambiguous. A replayed line of an older WAL without an id gets one from its content
    (:func:`_legacy_wal_id`). A live event is never dropped because it looks like another one; at
    replay, one old line (no id) in each of two segments with identical content is taken for one
    event (review K: an older ctloop that kept a failed flush's segment without its carry, then
    logged a retry with the same ``Ce-Id``, ``ce-time`` and body, loses that retry): the
    CloudEvents spec (v1.0.2, ``id``) lets a consumer take events with the same source and id for
    duplicates, and KServe v0.20's agent stamps each event's own ``ce-time``."""
    return bool(a.wal_id) and a.wal_id == b.wal_id


def _may_answer(request: Event, response: Event) -> bool:
    """Whether ``response`` can be the answer to ``request``, both events of one ``ce-id``: not when it
    is stamped before the request (KServe v0.20.0 ``pkg/logger/handler.go``: ``OccurrenceTime`` is
    ``time.Now()`` when the request arrives, then when the model's answer is read, in the one agent
    that logs both; only two times that agent stamped are compared, :attr:`Event.stamped`: an
    arrival time or another producer's clock tells nothing, nor does a time that cannot be read),
    nor when both carry the Open Inference Protocol's body ``id`` and the ids differ."""
    return _answers(_pair_key(request), _pair_key(response))


def _pair_key(event: Event) -> tuple[str | None, str | None]:
    """What :func:`_may_answer` compares of ``event``: its time's order key (None when it is not
    the agent's stamp or cannot be read) and its body ``id``; computed once per event."""
    return (time_order(event.time) if event.stamped else None), inference_id(event.body)


def _answers(asked: tuple[str | None, str | None], answered: tuple[str | None, str | None]) -> bool:
    """:func:`_may_answer` of two :func:`_pair_key` keys, a request's and a response's."""
    if asked[0] is not None and answered[0] is not None and answered[0] < asked[0]:
        return False
    return asked[1] is None or answered[1] is None or asked[1] == answered[1]


# the most request × response comparisons (:func:`_answers`) the general rule (:func:`_pair_rounds`)
# makes for one ce-id in one flush: it compares each waiting response with each waiting request
# once, then pairs round by round on what it found (1,000 × 1,000 events: 0.45-0.5 s on the event
# loop, on a shared 2-core machine); the events of a ce-id beyond it stay halves, as every reused
# id did before round 55. A ce-id that needs no more than a budget but more than the flush has left
# waits for the next flush (one only), which pairs it first: a flush holds ids needing at most one
# budget in all (at most 25,000 events of the general rule, each counting _PAIR_EVENT_COST), events
# already waiting, kept one flush interval longer (in the new WAL segment, as every waiting event)
_PAIR_BUDGET = 1_000_000
# what one waiting event costs the general rule besides its comparisons, in comparisons: its key, its
# candidate lists, its place in each round (1 request x 200,000 responses, 200,000 comparisons, took
# 1.6 s where 1,000 x 1,000 took 0.2 s: about 40 comparisons an event)
_PAIR_EVENT_COST = 40


def _pair_cost(requests: int, responses: int) -> int:
    """What the general rule (:func:`_pair_rounds`) costs on ``requests`` x ``responses`` events,
    in comparisons, against :data:`_PAIR_BUDGET`."""
    return requests * responses + _PAIR_EVENT_COST * (requests + responses)


def _pair_by_time(requests: list[Event], responses: list[Event],
                  budget: list[int] | None = None,
                  hold: list[int] | None = None) -> list[tuple[Event, Event]] | None:
    """The pairs the ``ce-time`` of the events waiting under one reused ``ce-id`` decide; the rest
    stay halves. KServe's agent sends a response only for a request it logged first (a request's
    event may still be lost: one send, no retry) and none for a non-200 answer, so a response is
    paired only with the one waiting request it :func:`_may_answer`, and only when no other
    response has that request as its one candidate (two would mean a request is missing: which
    one it was cannot be told); each pair made can leave another response one candidate, so this
    repeats. Sequential calls under one ``Ce-Id`` whose events arrived interleaved (request 1,
    request 2, response 1, response 2) pair; overlapping calls (both requests before either
    response), a request left without a response (a failed call, retried under its ``Ce-Id``) and
    equal second-precision times stay halves, as before round 55. The same events give the same
    pairs whatever order they arrived in.

    Called in ``flush`` on the event loop, so it must be cheap for a client reusing one ``Ce-Id``
    for thousands of calls (the round-by-round rule was cubic: 400 calls blocked the loop a
    minute). Each event's key is computed once. Where every event carries an Open Inference
    Protocol body id, the ids split the events exactly (two ids never answer each other), whatever
    the times: each id's events pair alone — in one sorted sweep (:func:`_sweep`) when all carry
    the agent's time, as one request and one response when none does (two of either without a
    time cannot be told apart), else by the general rule. Where every event carries the agent's
    time and no request has a body id, or no response (a v2 server makes up the id of an answer to
    a request without one), the rule is one sweep, O(n log n). Otherwise (body ids on some events
    of a side only, times on some events only) the general rule (:func:`_pair_rounds`) runs while
    its cost (:func:`_pair_cost`) stays within ``budget`` (a one-item list, spent in place: one
    flush shares :data:`_PAIR_BUDGET` over every ce-id it pairs, so the event loop's block does not
    grow with the number of reused ids; a fresh budget when ``None``); a ce-id's events beyond it
    stay halves. ``hold`` (a one-item list, spent in place like ``budget``): when what the general
    rule needs for these events is more than is left of ``budget`` but at most what is left of
    ``hold``, nothing is compared, the need is taken from ``hold`` and the answer is None (the
    flush keeps the events for the next one, which pairs them first, from a fresh budget)."""
    if not requests or not responses:
        return []
    asked = [(_pair_key(e), e) for e in requests]
    answered = [(_pair_key(e), e) for e in responses]
    if budget is None:
        budget = [_PAIR_BUDGET]
    if all(key[1] is not None for key, _ in (*asked, *answered)):
        groups: dict[str, tuple[list, list]] = {}
        for side, events in ((0, asked), (1, answered)):
            for key, event in events:
                groups.setdefault(key[1], ([], []))[side].append((key, event))
        steps = []  # (rule, mine, theirs) per body id with events of both kinds
        for mine, theirs in groups.values():
            if mine and theirs:
                stamped = [key[0] is not None for key, _ in (*mine, *theirs)]
                steps.append(("sweep" if all(stamped) else "one" if not any(stamped) else "rounds", mine, theirs))
        need = sum(_pair_cost(len(mine), len(theirs)) for rule, mine, theirs in steps if rule == "rounds")
        if hold is not None and budget[0] < need <= hold[0]:
            hold[0] -= need
            return None
        pairs: list[tuple[Event, Event]] = []
        for rule, mine, theirs in steps:
            if rule == "sweep":
                pairs += _sweep(mine, theirs)
            elif rule == "one":
                if len(mine) == 1 and len(theirs) == 1:
                    pairs.append((mine[0][1], theirs[0][1]))
            elif _pair_cost(len(mine), len(theirs)) <= budget[0]:
                budget[0] -= _pair_cost(len(mine), len(theirs))
                pairs += _pair_rounds(mine, theirs)
        return pairs
    if all(key[0] is not None for key, _ in (*asked, *answered)) and (
            all(key[1] is None for key, _ in asked) or all(key[1] is None for key, _ in answered)):
        return _sweep(asked, answered)  # no body id on one side: ids rule nothing out
    need = _pair_cost(len(asked), len(answered))
    if hold is not None and budget[0] < need <= hold[0]:
        hold[0] -= need
        return None
    if need > budget[0]:
        return []
    budget[0] -= need
    return _pair_rounds(asked, answered)


def _sweep(asked: list, answered: list) -> list[tuple[Event, Event]]:
    """:func:`_pair_by_time` of ``(key, event)`` requests and responses that all carry a time and
    whose body ids rule nothing out (none on one side, or all one id). Then every request stamped
    at or before a response can be its request, so a response's one candidate is always the
    earliest request left, and only while no other request is stamped at or before it: each round
    pairs that request with the one response stamped at or after it and before the next request,
    or nothing pairs any more (none: the earliest request had no response; two: which one answered
    it cannot be told)."""
    requests = sorted(asked, key=lambda item: item[0][0])
    responses = sorted(answered, key=lambda item: item[0][0])
    pairs: list[tuple[Event, Event]] = []
    j = 0
    for i, (key, request) in enumerate(requests):
        while j < len(responses) and responses[j][0][0] < key[0]:
            j += 1  # stamped before every request left: no candidate, a half
        following = requests[i + 1][0][0] if i + 1 < len(requests) else None
        k = j
        while k < len(responses) and (following is None or responses[k][0][0] < following):
            k += 1
        if k - j != 1:
            break
        pairs.append((request, responses[j][1]))
        j = k
    return pairs


def _pair_rounds(asked: list, answered: list) -> list[tuple[Event, Event]]:
    """:func:`_pair_by_time` round by round, for any ``(key, event)`` requests and responses: each
    round pairs every request that is the one candidate of exactly one response. Each request and
    response are compared once (:func:`_answers`, ``len(asked) × len(answered)`` calls); a round
    then only counts the candidates each pair made takes away, so the rounds cost the comparisons'
    order, not the product again per round."""
    order = list(range(len(asked)))  # shared index objects: the candidate lists hold only pointers
    keys, answers = [key for key, _ in asked], _answers
    can = [[i for i, key in zip(order, keys, strict=True) if answers(key, theirs)] for theirs, _ in answered]
    answerable: list[list[int]] = [[] for _ in asked]  # the responses that may answer request i
    for j, candidates in enumerate(can):
        for i in candidates:
            answerable[i].append(j)
    left = [len(candidates) for candidates in can]  # candidates not yet paired, per response
    taken = [False] * len(asked)
    waiting = list(range(len(answered)))
    one: dict[int, int] = {}  # response -> its one candidate left (found once)
    pairs: list[tuple[Event, Event]] = []
    while True:
        sole: dict[int, list[int]] = {}
        for j in waiting:
            if left[j] == 1:
                if j not in one:
                    one[j] = next(i for i in can[j] if not taken[i])
                sole.setdefault(one[j], []).append(j)
        found = sorted((i, js[0]) for i, js in sole.items() if len(js) == 1)
        if not found:
            return pairs
        done = set()
        for i, j in found:
            taken[i] = True
            done.add(j)
            for k in answerable[i]:
                left[k] -= 1
            pairs.append((asked[i][1], answered[j][1]))
        waiting = [j for j in waiting if j not in done]


def _legacy_wal_id(event: Event, raw: bytes, seen: dict[str, int]) -> str:
    """The line id of a replayed WAL line written before ``wal_id`` existed (an older ctloop's WAL
    at the upgrade restart): derived from the line's content — every attribute and the body, the
    exact-copy comparison those versions used — and how many alike lines came before it in its
    segment (``seen``, one per segment). Both copies of a line left in two segments by a crash
    between a carry and its delete get the same id, so :func:`_same_event` keeps one; the carry
    keeps the id, so a second crash is no different. Replay only: a live event always gets a
    fresh id. One segment never holds a line and its own carry, so alike lines within it stay
    apart; the one thing not told apart is alike old lines whose carries, in the next segment,
    came in another order among further alike lines — identical content, so the rows are the
    same; at worst a count differs."""
    try:
        content = json.dumps([[getattr(event, name) for name in _CONTENT_FIELDS], event.body],
                             separators=(",", ":")).encode()  # NaN apart from null, 1 apart from 1.0
    except (TypeError, ValueError, RecursionError):
        content = raw
    digest = hashlib.sha256(content).hexdigest()[:32]
    seen[digest] = seen.get(digest, 0) + 1
    return f"{_LEGACY}{digest}-{seen[digest]}"


_LEGACY = "legacy-"  # the prefix of the line ids replay derives for lines without one


# the attributes a legacy id hashes (:func:`_legacy_wal_id`), written out: Event's fields before round
# 56 added ``recorded``. Built from Event's fields, as it was, each new field changed the id of every
# id-less line, so an old line replayed after the upgrade no longer matched the carry an earlier
# release made of it (two waiting events of one: an ambiguous id, half rows). Never add to it
_CONTENT_FIELDS = ("id", "kind", "model", "namespace", "component", "revision", "source", "time", "metadata",
                   "model_version", "stamped")


class _FsyncThreads:
    """One thread per fsync slot, each fed by its own queue; the result goes back to the event
    loop with ``call_soon_threadsafe``. Cheaper per commit than an executor (no future, no
    thread-pool bookkeeping), which matters at hundreds of commits per second."""

    def __init__(self, n: int):
        import queue
        import threading

        self._queues = [queue.SimpleQueue() for _ in range(n)]
        self._threads = [threading.Thread(target=self._run, args=(q,), name=f"wal-fsync-{i}", daemon=True)
                         for i, q in enumerate(self._queues)]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _run(jobs) -> None:
        while True:
            job = jobs.get()
            if job is None:
                return
            fd, loop, done = job
            try:
                os.fsync(fd)
            except BaseException as exc:  # noqa: BLE001 - handed to the event loop, which fails the sink
                error = exc
            else:
                error = None
            try:
                loop.call_soon_threadsafe(done, error)
            except RuntimeError:  # the loop is closed: nobody waits for this commit any more
                pass

    def submit(self, slot: int, fd: int, loop: asyncio.AbstractEventLoop, done) -> None:
        self._queues[slot].put((fd, loop, done))

    def shutdown(self, wait: bool = False) -> None:
        for jobs in self._queues:
            jobs.put(None)
        if wait:
            for thread in self._threads:
                thread.join()


class Sink:
    def __init__(self, root: str, wal_dir: str, *, flush_rows: int = FLUSH_ROWS, flush_seconds: float = FLUSH_SECONDS,
                 join_ttl_seconds: float = SINK_JOIN_TTL_SECONDS, max_columns: int = MAX_COLUMNS,
                 max_values: int = MAX_VALUES):
        from ctloop.storage import is_remote, parse

        if not is_remote(root):  # file:///x is the path /x, not ./file:/x (Path('file:///x') is 'file:/x')
            root = parse(root).key
        self.root = root.rstrip("/") or "/"
        self.wal_dir = Path(wal_dir)
        self.flush_rows = flush_rows
        self.flush_seconds = flush_seconds
        self.join_ttl = join_ttl_seconds
        self.max_columns = max_columns
        # events over it are refused; replayed ones set aside (_replay). Always a number: the default
        # is the cap of the default body limit (defaults.MAX_VALUES), so no construction skips the check
        self.max_values = max_values
        self._full: set[str] = set()  # models whose columns were found full (warned once)
        self.stats = Stats()
        self._boot = uuid.uuid4().hex[:12]  # with a counter, the id of each WAL line this process writes
        self._wal_ids = 0
        self._replayed: set[str] | None = None  # during the start's replay: the line ids replayed so far
        self.failure: str | None = None  # set once the sink can no longer make events durable
        # (model, namespace, component, ce-id) -> {"request": [(Event, arrival)], "response": [...]}:
        # events waiting for their partner (a list: a reused ce-id keeps every event). Keyed by the
        # agent that logged them, not by the id alone: one agent logs both events of an inference,
        # and a client's Ce-Id (KServe's agent keeps it) may name inferences of other models too
        self._open: dict[tuple[str, str, str, str], dict[str, list[tuple[Event, float]]]] = {}
        self._held: list[tuple[str, str, str, str]] = []  # keys of _open the last flush held for this one (flush)
        self._parts: dict[tuple[str, str, str], _Part] = {}  # (model, date, revision) -> buffered rows
        self._quarantine: list[str] = []  # JSON lines for <root>/_quarantine
        self._types: dict[str, dict[str, str]] = {}  # model -> column -> type (schema module)
        self._new_types: dict[str, dict[str, str]] = {}  # model -> types not yet in the registry file
        self._fits: dict[str, dict[str, frozenset]] = {}  # model -> schema.accepted(types): the fast path
        self._n_rows = 0
        self._retired: list[Path] = []  # segments whose events are buffered, not yet in Parquet
        self._batch: list[tuple[asyncio.Future, Event]] = []
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop start() ran in
        self._wal = None
        self._segment: Path | None = None
        self._tasks: list[asyncio.Task] = []
        self._flush_lock: asyncio.Lock | None = None
        self._commit_lock: asyncio.Lock | None = None
        self._closing = False
        # set once the final flush (or abandon) took the last commit: no later event can be made
        # durable, so submit refuses it at once (503) instead of queueing it for no commit
        self._sealed = False
        self._sealed_reason = STOPPING  # what a refused event is told once sealed (ABANDONED by abandon)
        self._wal_lock: int | None = None  # the descriptor holding the WAL directory's lock (lock_wal)
        # pipelined group commit: FSYNC_SLOTS fsyncs in flight, each slot with its own descriptor
        # and its own thread (a bare queue: no executor future per commit); started by start()
        self._syncer: _FsyncThreads | None = None
        self._sync_fds: list[int] = []
        self._free_slots: list[int] = []
        self._inflight: dict[int, list[tuple[asyncio.Future, Event]]] = {}  # commit number -> batch
        self._synced: dict[int, BaseException | None] = {}  # fsync results not yet acknowledged in order
        self._next_commit = 0
        self._next_ack = 0
        self._idle: asyncio.Event | None = None  # set while no fsync is in flight
        # acknowledged events not joined yet: joined in the loop iteration after their answers
        # were released (and always before a flush looks at the join state)
        self._unjoined: list[Event] = []
        # the agent's events joined lately (_redelivered): a digest of each -> when it was joined
        self._delivered: OrderedDict[int, float] = OrderedDict()
        self._skewed_sources: set[str] = set()  # sources whose clock was said to be off (note_clock_skew)

    @property
    def closing(self) -> bool:
        """True once :meth:`stop` began (shutdown drains; ``/readyz`` answers 503)."""
        return self._closing

    def waiting_ids(self) -> set[str]:
        """The ids of events acknowledged but not yet joined into rows: waiting for their
        partner, or acknowledged so recently that they are not joined yet (the rest of what was
        acknowledged is buffered for, or written to, Parquet)."""
        return {*(key[-1] for key in self._open), *(event.id for event in self._unjoined)}

    def health(self) -> dict[str, Any]:
        """What ``/healthz`` reports: ``failed`` (events can no longer be made durable: 503),
        ``degraded`` (flushes are failing: events are safe in the WAL, not yet in Parquet) or
        ``ok``, with the counts an operator looks at first."""
        s = self.stats
        out: dict[str, Any] = {"status": "ok"}
        if self.failure is not None:
            out = {"status": "failed", "reason": self.failure}
        elif s.flush_failing_since is not None:
            out = {"status": "degraded", "reason": f"flushes failing for {time.time() - s.flush_failing_since:.0f} s: "
                                                   f"{s.last_flush_error}"}
        out.update(buffered_rows=self._n_rows, quarantined=s.quarantined, rows_quarantined=s.rows_quarantined,
                   flush_errors=s.flush_errors)
        return out

    # ------------------------------------------------------------------ lifecycle
    def lock_wal(self) -> None:
        """Take the WAL directory for this sink alone, until :meth:`stop` or :meth:`abandon`: an
        exclusive ``flock`` on ``<wal>/.lock``, which holds the owner's pid. Another sink on the
        same directory (``uvicorn --workers`` > 1 under ``app_from_env``, a second ``logger
        serve`` with the same ``--wal``) would replay this one's live segments at its start and
        delete them after its flush, the events this one acknowledged since in a deleted file:
        it is refused with a :class:`ConfigError` naming the directory and the holder's pid. A
        lock file of another user is locked read-only; one that cannot be opened at all is a
        :class:`ConfigError` (:func:`_open_lock_file`). Called by :meth:`start`; ``logger serve``
        calls it before it listens."""
        import fcntl

        if self._wal_lock is not None:
            return
        try:  # what the option check cannot see: a dangling symlink on the way, a full or read-only disk
            self.wal_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            where = Path(str(exc.filename or self.wal_dir))
            why = broken_link(where) or f"{exc.strerror or exc}: {where}"
            raise ConfigError(f"--wal {str(self.wal_dir)!r}: cannot create it ({why}); give a directory on a "
                              "local disk this user can write (CTLOOP_LOG_WAL)") from None
        path = self.wal_dir / ".lock"
        fd, writable = _open_lock_file(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                named = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            finally:
                os.close(fd)
            # a read-only lock file: the holder may be a sink that could not write its pid either
            holder = (named or "unknown") if writable else (
                "unknown: the lock file belongs to another user" + (f" (it last named pid {named})" if named else ""))
            raise ConfigError(f"--wal {str(self.wal_dir)!r} is in use by another sink (pid {holder}): two sinks on "
                              "one write-ahead log delete each other's acknowledged events; give each its own --wal "
                              "(CTLOOP_LOG_WAL: run app_from_env with one uvicorn worker per WAL)") from None
        except OSError as exc:  # a filesystem without locks: said, not fatal (one sink per WAL is the deployment's)
            log.warning("cannot lock the write-ahead log directory %s (%s): make sure no other sink uses it",
                        self.wal_dir, exc)
        else:
            if writable:  # a read-only lock file (another user's) still locks: it just names no pid
                os.ftruncate(fd, 0)
                os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._wal_lock = fd

    def _unlock_wal(self) -> None:
        if self._wal_lock is not None:
            os.close(self._wal_lock)  # releases the flock
            self._wal_lock = None

    async def start(self) -> None:
        self.lock_wal()
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._commit_lock = asyncio.Lock()
        self._idle = asyncio.Event()
        self._idle.set()
        self._syncer = _FsyncThreads(FSYNC_SLOTS)
        try:
            self._types = await asyncio.to_thread(schema.read_types, self.root)
        except (OSError, ValueError) as exc:  # typed again from the registry at the first flush
            log.error("cannot read the column-type registries under %s: %s", self.root, exc)
        swept = await asyncio.to_thread(sweep_temp_files, self.root)
        if swept:
            log.warning("removed %d temporary file(s) of writes cut short by an unclean stop (older than %d s) under %s",
                        len(swept), TEMP_GRACE_SECONDS, self.root)
        old = sorted(self.wal_dir.glob("segment-*.wal"))
        self._open_segment()
        fsync_dir(self.wal_dir)
        if old:  # crash recovery: replay, persist, then forget the old segments
            self._replayed = set()
            for seg in old:
                self._replay(seg)
            self._replayed = None
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
        seen: dict[str, int] = {}  # alike id-less lines so far in this segment (_legacy_wal_id)
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                event = Event.from_json(raw)
            except (ValueError, TypeError) as exc:  # JSON, UTF-8, missing fields, bad values
                log.error("quarantined corrupt WAL line %s:%d: %s", seg.name, number, exc)
                self._set_aside(f"corrupt WAL line {seg.name}:{number}: {exc}",
                                wal_line=raw.decode("utf-8", errors="backslashreplace"))
                continue
            if not event.wal_id:
                event.wal_id = _legacy_wal_id(event, raw, seen)
            if not self._too_many_values(event, f"{seg.name}:{number}", raw):
                self._add(event)
        if tail.strip(b"\0 \t\r"):
            try:
                event = Event.from_json(tail)
            except (ValueError, TypeError):
                self.stats.wal_torn_lines += 1
                log.warning("skipped the torn last line of %s (%d bytes): an append cut by a crash, never "
                            "acknowledged", seg.name, len(tail))
            else:
                if not event.wal_id:
                    event.wal_id = _legacy_wal_id(event, tail, seen)
                if not self._too_many_values(event, f"{seg.name}:{len(lines) + 1}", tail):
                    self._add(event)

    def _too_many_values(self, event: Event, where: str, raw: bytes) -> bool:
        """Whether a replayed event holds more values than ``max_values`` (a WAL written by an
        older version, or under a larger --max-body-bytes): joining it could exhaust the pod's
        memory at every start, so it is quarantined as its WAL line, logged and counted instead, as
        ``ctloop_log_wal_set_aside_total`` (not as a refusal: the event was acknowledged, and
        ``ctloop logger requeue`` takes it back under a larger limit)."""
        count = count_values(event.kind, event.body, self.max_values)
        if count <= self.max_values:
            return False
        self.stats.wal_set_aside += 1
        reason = (f"WAL line {where}: {event.kind} body holds at least {count:,} values, more than the {self.max_values:,} "
                  f"the sink takes (--max-body-bytes / {VALUES_DIVISOR}: raise it with --max-body-bytes or CTLOOP_LOG_MAX_BODY_BYTES)")
        log.warning("set aside replayed event %s (model %s): %s", event.id[:128], event.model, reason)
        self._set_aside(reason, wal_line=raw.decode("utf-8", errors="backslashreplace"), set_aside="too_many_values")
        return True

    async def stop(self) -> None:
        """Flush everything (SIGTERM path) and remove the WAL."""
        self._closing = True
        if self.failure is not None:  # nothing is deleted: the next start replays the segments
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._fail_waiting()
            await self._drain()
            self._close_sync_fds()
            self._syncer.shutdown(wait=False)
            self._unlock_wal()
            log.error("stopping a failed sink (%s): WAL segments kept for the replay", self.failure)
            return
        async with self._flush_lock:  # never cancel the flusher in the middle of a flush
            self._tasks[1].cancel()
            await asyncio.gather(self._tasks[1], return_exceptions=True)
        await self._commit()  # waits for an fsync in flight, then commits what is left
        self._tasks[0].cancel()
        await asyncio.gather(self._tasks[0], return_exceptions=True)
        await self._commit()
        try:
            await self.flush(final=True)
        finally:
            self._close_sync_fds()
            self._syncer.shutdown(wait=False)
            self._unlock_wal()

    async def abandon(self) -> None:
        """Stop without writing anything more: nothing is flushed, waiting events are answered
        :class:`SinkUnavailable` and the WAL segments stay (for a caller that can produce the
        events again: ``ctloop logger import`` after a failed read)."""
        self._closing = self._sealed = True
        self._sealed_reason = ABANDONED
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._drain()
        self._fail_waiting()
        if self._wal is not None:
            self._wal.close()
        self._close_sync_fds()
        if self._syncer is not None:
            self._syncer.shutdown(wait=False)
        self._unlock_wal()

    def _open_segment(self) -> None:
        """A new current segment; the caller fsyncs the directory before acknowledging from it."""
        segment = self.wal_dir / f"segment-{time.time_ns():020d}-{uuid.uuid4().hex[:6]}.wal"
        wal = open(segment, "ab", buffering=1 << 20)
        try:
            fds = [os.open(segment, os.O_RDONLY | os.O_CLOEXEC) for _ in range(FSYNC_SLOTS)]
        except OSError:
            wal.close()
            raise
        self._close_sync_fds()  # the previous segment's: nothing is in flight during a rotation
        self._wal, self._segment = wal, segment
        self._sync_fds, self._free_slots = fds, list(range(FSYNC_SLOTS))

    def _close_sync_fds(self) -> None:
        for fd in self._sync_fds:
            os.close(fd)
        self._sync_fds, self._free_slots = [], []

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
                fut.set_exception(SinkUnavailable(self.failure or self._sealed_reason))

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
        await self.submit(event)
        self.stats.accepted += 1

    def submit(self, event: Event) -> asyncio.Future:
        """Queue ``event`` for the next commit: the future is done once it is durable in the WAL
        (its exception a :class:`SinkUnavailable` when the sink failed first). Raises
        :class:`SinkUnavailable` when the sink has failed already. The caller counts the event
        as accepted when it acknowledges it (:meth:`accept` does)."""
        if self.failure is not None:
            raise SinkUnavailable(self.failure)
        if self._sealed:
            raise SinkUnavailable(self._sealed_reason)
        fut = self._loop.create_future()
        self._wal_ids += 1
        event.wal_id = f"{self._boot}-{self._wal_ids}"  # this WAL line's id (a requeued line gets a new one)
        self._batch.append((fut, event))
        self._wake.set()
        return fut

    def _start_commit(self) -> None:
        """Write the waiting events to the current segment and start an fsync of it in a free
        slot; :meth:`_fsynced` acknowledges them. Called with the commit lock held and a free slot.

        The write and the fsync always hit the same file: a rotation (``flush``) holds the same
        lock and first waits for every fsync in flight, so an event can never be acknowledged from
        a segment that is about to be deleted. A write or fsync error fails the sink (after a
        failed fsync the page cache may already have dropped the data: retrying could acknowledge
        what is not on disk).
        """
        batch, self._batch = self._batch, []
        try:
            wal = self._wal
            lines = [event.to_wal() for _, event in batch]
            lines.append(b"")  # the batch's last newline, without copying the batch again
            wal.write(b"\n".join(lines))
            wal.flush()
        except (OSError, ValueError) as exc:  # ValueError: I/O on a closed file
            self._batch = batch + self._batch
            self._fail(f"cannot write the write-ahead log {self._segment}: {exc}")
            return
        except BaseException:  # a bug: the committer's end fails the sink, and these with it
            self._batch = batch + self._batch
            raise
        slot = self._free_slots.pop()
        number = self._next_commit
        self._next_commit += 1
        self._inflight[number] = batch
        self._idle.clear()
        self._syncer.submit(slot, self._sync_fds[slot], asyncio.get_running_loop(),
                            lambda exc: self._fsynced(number, slot, exc))

    def _fsynced(self, number: int, slot: int, exc: BaseException | None) -> None:
        """An fsync returned (``exc`` its error): acknowledge, strictly in commit order, every
        batch whose fsync and all earlier ones succeeded; after any failure none is acknowledged
        any more."""
        self._free_slots.append(slot)
        if exc is not None:
            self._fail(f"cannot fsync the write-ahead log {self._segment}: {exc}")
        self._synced[number] = exc
        while self._next_ack in self._synced:
            self._synced.pop(self._next_ack)
            batch = self._inflight.pop(self._next_ack)
            self._next_ack += 1
            if self.failure is not None:  # in the WAL perhaps, but not provably: never acknowledged
                for fut, _ in batch:
                    if not fut.done():
                        fut.set_exception(SinkUnavailable(self.failure))
                continue
            for fut, _ in batch:  # durable: acknowledge first, then join (which cannot fail a commit)
                if not fut.done():
                    fut.set_result(None)
            if not self._unjoined:
                asyncio.get_running_loop().call_soon(self._join_acknowledged)
            self._unjoined.extend(event for _, event in batch)
        if not self._inflight:
            self._idle.set()
        if self._batch:
            self._wake.set()

    def _join_acknowledged(self) -> None:
        """Join the events acknowledged since the last call. Scheduled behind the wake-ups of the
        requests just acknowledged, so their 200s are sent before this work, not after it; the
        events are durable in the current segment meanwhile, and :meth:`flush` calls this before
        it rotates the segment or takes the buffers."""
        events, self._unjoined = self._unjoined, []
        for event in events:
            self._add(event)

    async def _drain(self) -> None:
        """Wait until no fsync is in flight (every batch written so far acknowledged or failed)."""
        await self._idle.wait()

    async def _commit_locked(self) -> None:
        """Commit whatever waits and wait for every fsync in flight (commit lock held)."""
        await self._drain()
        if self._batch and self.failure is None:
            self._start_commit()
            await self._drain()
        elif self._batch:
            self._fail_waiting()

    async def _commit(self) -> None:
        async with self._commit_lock:
            await self._commit_locked()

    async def _committer(self) -> None:
        while self.failure is None:
            await self._wake.wait()
            self._wake.clear()
            while self._batch and self._free_slots and self.failure is None:
                async with self._commit_lock:
                    if self._batch and self._free_slots and self.failure is None:
                        self._start_commit()

    def _add(self, event: Event) -> None:
        """Join an acknowledged event with its partner (same ``ce-id``, model, namespace and
        component, the other kind) when that is unambiguous: the one event of the other kind waiting
        under its id, none of its own kind, and not a response stamped before its request
        (:func:`_may_answer`). Once an id has two requests (or two responses) waiting, none of its
        waiting events pairs here (KServe's workers send the events of two calls sharing a ``Ce-Id``
        in any order: pairing them as they come would give one call the other's prediction); they
        are written together once the first is ``join_ttl`` old (:meth:`flush`), paired where their
        times decide it (:func:`_pair_by_time`), else as half rows. A copy of
        a WAL line already waiting (:func:`_same_event`: the same line id, the line replayed twice) is
        no second call: it is dropped, counted as a duplicate; events merely alike are two calls. An event without a partner waits until its
        partner comes or ``join_ttl`` passes."""
        if self._replayed is not None and event.wal_id and not event.wal_id.startswith(_LEGACY):
            if event.wal_id in self._replayed:
                # a line replayed a second time after its first replay already paired (or wrote) it:
                # segments replay in name (clock) order, so a carry's copy whose segment got an
                # earlier time (the clock stepped back) comes before its original. Ids the sink
                # issued only: a legacy id (:func:`_legacy_wal_id`) numbers alike lines per segment,
                # so two alike calls in two old segments share one; its copy is known while waiting
                self.stats.duplicate_ids += 1
                return
            self._replayed.add(event.wal_id)
        if event.recorded and self._redelivered(event):
            self.stats.duplicate_ids += 1  # acknowledged again (the WAL holds it twice), joined once
            return
        key = (event.model, event.namespace, event.component, event.id)
        slot = self._open.get(key)
        if slot is None:
            self._open[key] = {"request": [], "response": [], event.kind: [(event, time.monotonic())]}
            return
        mine = slot[event.kind]
        partners = slot["response" if event.kind == "request" else "request"]
        if any(_same_event(event, waiting) for waiting, _ in mine):
            # a copy of the WAL line of an event already waiting (the line replayed twice after a crash
            # between a flush's carry and its delete): the same acknowledged event, kept once (the
            # waiting copy is carried into the next segment); kept twice, the spare copy would wait
            # for, and pair with, the response of a later call reusing the id
            self.stats.duplicate_ids += 1
            return
        own = inference_id(event.body)
        if own is not None and not slot.get("ambiguous"):
            # the v2 body's own id, which a response returns (Open Inference Protocol): the waiting
            # partner of that id is this event's pair, however the calls sharing a Ce-Id interleave
            for i, (waiting, _) in enumerate(partners):
                if inference_id(waiting.body) == own:
                    del partners[i]
                    self._buffer(event, waiting) if event.kind == "request" else self._buffer(waiting, event)
                    if not slot["request"] and not slot["response"]:
                        del self._open[key]
                    return
            if partners and not mine and all(inference_id(w.body) not in (None, own) for w, _ in partners):
                mine.append((event, time.monotonic()))  # another call's partner: wait for its own
                return
        if slot.get("ambiguous"):  # its id has had two events of one kind waiting: nothing pairs
            self.stats.duplicate_ids += bool(mine)
            mine.append((event, time.monotonic()))
            return
        if mine:  # a second request (or response) under an id still waiting: which response belongs
            # to which request cannot be told (KServe's workers send them in any order), so none pairs
            self.stats.duplicate_ids += 1
            mine.append((event, time.monotonic()))
            slot["ambiguous"] = True
            self.stats.ambiguous_ids += 1  # once per id, when it becomes ambiguous
            return
        if not partners:
            mine.append((event, time.monotonic()))
            return
        if not _may_answer(*((event, partners[-1][0]) if event.kind == "request" else (partners[-1][0], event))):
            # a response stamped before the request: not its answer (KServe's agent stamps a request when it
            # arrives, its response after the model answered: handler.go); both wait (_pair_by_time)
            mine.append((event, time.monotonic()))
            return
        partner, _ = partners.pop()
        if event.kind == "request":
            self._buffer(event, partner)
        else:
            self._buffer(partner, event)
        if not slot["request"] and not slot["response"]:
            del self._open[key]

    def note_clock_skew(self, event: Event, offset: float) -> None:
        """Count an event received from a clock ``offset`` seconds off the sink's (``events.clock_offset``
        beyond ``CLOCK_SKEW_SECONDS``), and say it once per source (a pod) and process. Its rows keep
        its ``ce-time``: pairing a request with its answer, telling a copy of one delivery from two
        calls, and the labels join go by the producer's own stamps; they fall in that time's windows."""
        self.stats.clock_skewed += 1
        source = event.source[:256]
        if source in self._skewed_sources or len(self._skewed_sources) >= 10_000:
            return
        self._skewed_sources.add(source)
        how = ("its ce-recordedtime, KServe's agent's clock as it sends, against the arrival" if event.recorded
               else "its ce-time is after the arrival")
        log.warning("events of %s from %s come from a clock %+.0f s off the sink's (%s): their rows keep that "
                    "clock's ce-time (%s) and fall in that time's windows; set the node's clock (NTP). Further "
                    "events of this source are counted in ctloop_log_clock_skewed_events_total, not logged",
                    event.model, source, offset, how, event.time)

    def _redelivered(self, event: Event) -> bool:
        """Whether ``event`` (one of KServe's agent, with its ``ce-recordedtime``) is a copy of one
        joined within :data:`REDELIVERY_SECONDS` (and the last :data:`REDELIVERY_EVENTS`): the same
        model, namespace, component, ce-id, kind, source, ce-time, ce-recordedtime and body. The
        agent sends each event once (v0.20.0 ``pkg/logger/worker.go``: one ``Send``, no retry) and
        stamps each send's ``time.Now()``, so two alike to the nanosecond are one send delivered
        twice, whether the copy came while the first waited for its partner (it made the id
        ambiguous: three half rows where one call was) or after it paired (a lone half row)."""
        now = time.monotonic()
        seen = self._delivered
        while seen and (len(seen) >= REDELIVERY_EVENTS or now - next(iter(seen.values())) > REDELIVERY_SECONDS):
            seen.popitem(last=False)
        # two 64-bit SipHashes of this process's random key (attributes, body): 128 bits. The body's
        # bytes as the WAL holds them: a live event's raw, which to_wal writes verbatim, and a
        # replayed one's bytes read back from its line (events._wal_body), so a copy that comes after
        # a restart matches its replayed original however it was spaced. Serialised again only when
        # there are no such bytes (a line of an older writer, a body scrubbed or re-encoded): 69 ms
        # for a 17.6 MB body of floats on the loaded 2-core machine against 7 ms for hashing its bytes
        # (parse_event of it: 0.9 s); 9 us against 4.5 for a 1.6 KB body of 160 floats
        body = event.raw if event.raw is not None else _dumps_body(event.body)
        attributes = (event.model, event.namespace, event.component, event.id, event.kind, event.source, event.time,
                      event.recorded)
        key = (hash(attributes) & _MASK64) << 64 | hash(bytes(body)) & _MASK64
        if key in seen:
            return True
        seen[key] = now
        return False

    def _buffer(self, request: Event | None, response: Event | None) -> None:
        """Joined rows into their partition's buffer, typed by the model's column types; a record
        the join refuses is quarantined."""
        base = request or response
        model = base.model
        types = self._types.get(model)
        if types is None:
            types = self._types[model] = {}
        fits = self._fits.get(model)
        if fits is None:
            fits = self._fits[model] = schema.accepted(types)
        new = self._new_types.setdefault(model, {})
        try:
            try:
                rows = join(request, response)
            except PairMismatch as exc:  # the request's rows without a response; the pair set aside
                log.warning("request %s: %s; written without its response, the pair quarantined", base.id, exc)
                self.stats.mismatched_pairs += 1
                self._set_aside(str(exc), request, response)
                response = None
                rows = join(request, None)
            mistyped = overflow = 0
            converted: dict[int, tuple[str, ...]] = {}
            columns: list[str] = []
            if response is not None and request is not None and whole_inputs(request.body, response.body):
                # its row holds a side whole: type its columns as its halves would (two replicas
                # write each side's own rows), so one replica and two store one row
                for row in (*join(request, None), *join(None, response)):
                    schema.normalise(row, types, new, fits, self.max_columns, [])
            for i, row in enumerate(rows):
                bad, aside = schema.normalise(row, types, new, fits, self.max_columns, columns)
                mistyped += bad
                overflow += aside
                if columns:
                    converted[i] = tuple(columns)
                    columns.clear()
            lines = [row_line(row) for row in rows]
        except PayloadError as exc:
            self._set_aside(str(exc), request, response)
            return
        except Exception as exc:  # noqa: BLE001 - a bug in join must never stop ingest: keep the events verbatim
            log.exception("join failed for %s; quarantined", base.id)
            self._set_aside(f"join failed: {type(exc).__name__}: {exc}", request, response)
            return
        self.stats.mistyped += mistyped
        if response is not None and error_text(response.body) is not None:
            self.stats.error_responses += 1
        if overflow:
            self.stats.overflow += overflow
            if model not in self._full:
                self._full.add(model)
                log.warning("model %s has %d feature columns (--max-columns %d): the values of new features are "
                            "kept as JSON in its rows' _overflow column from now on "
                            "(ctloop_log_overflow_values_total)", model, self.max_columns, self.max_columns)
        first = rows[0]
        key = (first["model"], first["time"][:10], first["revision"])
        part = self._parts.get(key)
        if part is None:
            part = self._parts[key] = _Part()
        part.add(lines, converted, (request is not None) + (response is not None))
        self._n_rows += len(lines)

    def _set_aside(self, reason: str, request: Event | None = None, response: Event | None = None,
                   wal_line: str | None = None, set_aside: str | None = None) -> None:
        record: dict[str, Any] = {"reason": reason, "time": datetime.now(UTC).isoformat()}
        if set_aside is not None:  # a replayed line over a limit: ``ctloop logger requeue`` takes it back
            record["set_aside"] = set_aside
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
    async def _sync_types(self, pending: dict[str, dict[str, str]]) -> tuple[dict, dict]:
        """Add the column types first seen since the last flush to each model's registry file and
        take the registry's word for them. ``pending``: model → its new types, for every model
        about to be written. Returns ``(conflicts, registries)``: per model, the columns whose
        buffered values were typed otherwise (another replica registered them first; the write
        converts those), and the registry as it now is (the write's schema)."""
        conflicts: dict[str, dict[str, str]] = {}
        registries: dict[str, dict[str, str]] = {}
        for model, new in pending.items():
            waiting = self._new_types.get(model, {})
            # registered by an earlier flush: a registry file without one lost it to another replica's
            # write (sync then reads the claims and writes the file back)
            known = {column: kind for column, kind in self._types.get(model, {}).items() if column not in waiting}
            try:
                registry = await asyncio.to_thread(schema.sync, self.root, model, new, write_durably, known)
            except ValueError as exc:  # a registry file that is not one: keep this process's types
                log.error("column types of %s not recorded: %s", model, exc)
                registry = {**self._types.get(model, {}), **new}
            types = self._types.setdefault(model, {})
            for column, kind in registry.items():
                if types.get(column, kind) != kind:
                    conflicts.setdefault(model, {})[column] = kind
                types[column] = kind
            self._fits[model] = schema.accepted(types)
            for column, kind in new.items():
                if waiting.get(column) == kind:
                    del waiting[column]
            # the write's schema: a column registered before that the registry still lacks (a registry
            # file that is not one) keeps its type, not one made up from the values
            registries[model] = {**registry, **{column: kind for column, kind in known.items() if column not in registry}}
        return conflicts, registries

    async def flush(self, final: bool = False) -> int:
        """Rows to Parquet (and quarantined records to ``_quarantine``), then the WAL segments
        they came from are dropped.

        First the column types seen since the last flush go to the registry files. Then, under
        the commit lock, in one step: commit what is waiting into the current segment, open a
        new segment and retire the old one, take the buffered rows, and copy events still
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
                if final and self._closing:  # stop's last commit: what came during its fsync, or comes
                    self._sealed = True  # later (a connection still open once the drain timeout ran
                    self._fail_waiting()  # out), no commit takes: refused now (503), not left waiting
                self._join_acknowledged()  # nothing acknowledged may stay outside _open/_parts
                old_wal, old_segment = self._wal, self._segment
                try:
                    self._open_segment()
                    old_wal.close()
                except OSError as exc:
                    self._fail(f"cannot rotate the write-ahead log in {self.wal_dir}: {exc}")
                    raise SinkUnavailable(self.failure) from exc
                self._retired.append(old_segment)
                now = time.monotonic()
                budget = [_PAIR_BUDGET]  # one for the whole flush (_pair_by_time)
                # a due id the budget left over cannot pair waits for the next flush (never a final
                # one), which takes the ids held so first; what is held needs one budget at most in
                # all, so the next flush can pair it all, and an id is held once
                hold = [0 if final else _PAIR_BUDGET]
                held, self._held = {key: None for key in self._held if key in self._open}, []
                for key in [*held, *(key for key in self._open if key not in held)] if held else list(self._open):
                    slot = self._open[key]
                    # an ambiguous id's events (or a request and a response stamped before it) leave
                    # together, once the first is due (a part left behind would no longer look ambiguous
                    # to a replay): paired where their ce-times leave one answer (_pair_by_time), else halves
                    due = final or ((slot.get("ambiguous", False) or bool(slot["request"] and slot["response"]))
                                    and any(now - arrived > self.join_ttl
                                            for kind in ("request", "response") for _, arrived in slot[kind]))
                    if due and slot["request"] and slot["response"]:
                        pairs = _pair_by_time([e for e, _ in slot["request"]], [e for e, _ in slot["response"]],
                                              budget, None if key in held else hold)
                        if pairs is None:  # kept, every event of it, for the next flush (carried below)
                            self._held.append(key)
                            continue
                        for request, response in pairs:
                            self._buffer(request, response)
                        self.stats.time_paired += len(pairs)
                        paired = {id(e) for pair in pairs for e in pair}
                        for kind in ("request", "response"):
                            slot[kind] = [(e, arrived) for e, arrived in slot[kind] if id(e) not in paired]
                    for kind in ("request", "response"):
                        keep = []
                        for event, arrived in slot[kind]:
                            if due or now - arrived > self.join_ttl:
                                self._buffer(event, None) if kind == "request" else self._buffer(None, event)
                            else:
                                keep.append((event, arrived))
                        slot[kind] = keep
                    if not slot["request"] and not slot["response"]:
                        del self._open[key]
                parts, self._parts, self._n_rows = self._parts, {}, 0
                # the new column types of the rows taken (rows buffered from now on register theirs
                # at the next flush)
                pending = {model: dict(self._new_types.get(model, {})) for model in {key[0] for key in parts}}
                quarantine, self._quarantine = self._quarantine, []
                retired, self._retired = self._retired, []
                # the kind with more events first: a replay of an ambiguous id (two of one kind)
                # sees the ambiguity before it could pair anything
                carried = [event.to_wal() for slot in self._open.values()
                           for kind in (("response", "request") if len(slot["response"]) > len(slot["request"])
                                        else ("request", "response")) for event, _ in slot[kind]]
                try:
                    if carried:
                        self._wal.write(b"\n".join(carried) + b"\n")
                    self._wal.flush()
                    await asyncio.to_thread(_fsync_file_and_dir, self._wal.fileno(), self.wal_dir)
                except (OSError, ValueError) as exc:
                    self._fail(f"cannot write the write-ahead log {self._segment}: {exc}")
                    raise SinkUnavailable(self.failure) from exc
            n_rows = sum(len(p.lines) for p in parts.values())
            n_events = sum(p.events for p in parts.values())
            n_quarantined = len(quarantine)
            written_rows = [0]
            try:
                # every flush reads the registry of each model it writes (one small file or object):
                # the files' schema is the registry's, whichever replica added a column first
                conflicts, types = await self._sync_types(pending)
                await asyncio.to_thread(self._write, parts, quarantine, types, conflicts, written_rows)
            except BaseException as exc:
                self._flush_failed(exc)
                left = sum(len(p.lines) for p in parts.values())  # partitions written are gone from parts
                self.stats.rows_written += written_rows[0]
                self.stats.rows_quarantined += n_rows - left - written_rows[0]
                self.stats.events_written += n_events - sum(p.events for p in parts.values())
                self.stats.quarantined += n_quarantined - len(quarantine)
                for key, part in self._parts.items():  # what arrived meanwhile goes behind
                    if key in parts:
                        parts[key].extend(part)
                    else:
                        parts[key] = part
                self._parts = parts
                self._n_rows = sum(len(p.lines) for p in parts.values())
                self._quarantine = quarantine + self._quarantine
                self._retired = retired + self._retired
                raise
            self.stats.rows_written += written_rows[0]
            self.stats.rows_quarantined += n_rows - written_rows[0]
            self.stats.events_written += n_events
            self.stats.quarantined += n_quarantined
            try:
                await asyncio.to_thread(_delete_segments, retired, self.wal_dir)
            except OSError as exc:
                self._retired = retired + self._retired  # the next flush deletes them (or a replay dedups)
                self._flush_failed(exc)
                raise
            if final and not self._open and self._closing:
                self._wal.close()
                await asyncio.to_thread(_delete_segments, [self._segment], self.wal_dir)
            self.stats.observe_flush(time.perf_counter() - started)
            self.stats.last_flush_ok = time.time()
            self.stats.flush_failing_since = None
            self.stats.last_flush_error = None
            return written_rows[0]

    def _flush_failed(self, exc: BaseException) -> None:
        self.stats.flush_errors += 1
        self.stats.last_flush_error = f"{type(exc).__name__}: {exc}"[:300]
        if self.stats.flush_failing_since is None:
            self.stats.flush_failing_since = time.time()

    def _write(self, parts: dict[tuple[str, str, str], _Part], quarantine: list[str],
               types: dict[str, dict[str, str]], conflicts: dict[str, dict[str, str]], written: list[int]) -> None:
        """One Parquet file per (model, date, revision) partition, then the quarantine file.
        Each partition leaves ``parts`` once written, each quarantine line ``quarantine``: a
        failure part-way leaves exactly what still has to be written (runs in a worker thread on
        the flush's own snapshot). ``written[0]`` counts the rows written to Parquet; rows that
        cannot become Parquet even alone are added to ``quarantine`` with the reason."""
        for key in sorted(parts):
            model, date, revision = key
            part = parts[key]
            data, bad = _parquet(part, types.get(model, {}), conflicts.get(model))
            for line, reason in bad:
                log.error("quarantined a row of %s that cannot be written: %s", key, reason)
                quarantine.append(json.dumps({"reason": f"row cannot be written as Parquet: {reason}",
                                              "time": datetime.now(UTC).isoformat(), "partition": list(key),
                                              "row": line.decode("utf-8", errors="backslashreplace")},
                                             separators=(",", ":")))
            if data is not None:
                self._store(layout.data_file(model, date, revision, f"part-{uuid.uuid4().hex}.parquet"), data)
                written[0] += len(part.lines) - len(bad)
            del parts[key]
        if quarantine:
            day = datetime.now(UTC).date().isoformat()
            self._store(layout.quarantine_file(day, f"part-{uuid.uuid4().hex}.jsonl"),
                        ("\n".join(quarantine) + "\n").encode())
            quarantine.clear()

    def _store(self, relative: str, data: bytes) -> None:
        from ctloop.storage import is_remote, write_bytes

        if is_remote(self.root):
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
            *counter("ctloop_log_rows_quarantined_total",
                     "Rows that could not be written as Parquet even alone, written to <root>/_quarantine.",
                     s.rows_quarantined),
            *counter("ctloop_log_mistyped_values_total",
                     "Values that did not fit their column's type: null there, kept in _mistyped.", s.mistyped),
            *counter("ctloop_log_overflow_values_total",
                     "Values of features that found their model's columns full (--max-columns): kept in "
                     "_overflow.",
                     s.overflow),
            *counter("ctloop_log_duplicate_ids_total",
                     "Events whose ce-id already had an event of the same kind waiting: a second call's event is "
                     "kept (the id ambiguous, written unpaired); a WAL line replayed twice after a crash, "
                     "or an agent's event delivered twice (same ce-recordedtime and body), is kept once.",
                     s.duplicate_ids),
            *counter("ctloop_log_ambiguous_ids_total",
                     "Ce-ids that came to have two requests or two responses waiting at once, counted "
                     "when that happened (a restart that replays their events counts them again): which "
                     "response answers which request cannot be told as they arrive, so they are written "
                     "together: paired where their ce-times decide it (ctloop_log_time_paired_total), the "
                     "rest each a half row.",
                     s.ambiguous_ids),
            *counter("ctloop_log_time_paired_total",
                     "Request/response pairs of a reused ce-id (two requests or two responses, or a response "
                     "stamped before the request waiting) that their ce-times or body ids told apart when written: each "
                     "response the one request waiting that it can answer.", s.time_paired),
            *counter("ctloop_log_mismatched_pairs_total",
                     "Responses with more or fewer rows than their request (v1 predictions, v2 output "
                     "shape[0]): the request "
                     "written without a response, the pair quarantined.", s.mismatched_pairs),
            *counter("ctloop_log_error_responses_total",
                     "Responses whose body reported {\"error\": ...} instead of predictions (a server answering "
                     "its failure with HTTP 200): their rows are marked with the error in _error.",
                     s.error_responses),
            *counter("ctloop_log_clock_skewed_events_total",
                     f"Events whose producer's clock was more than {CLOCK_SKEW_SECONDS:g} s off the sink's "
                     "(KServe's agent's ce-recordedtime against the arrival, or a ce-time after it): their rows "
                     "keep that clock's ce-time, so they fall in that time's windows.", s.clock_skewed),
            *counter("ctloop_log_wal_torn_lines_total",
                     "Unterminated last WAL lines (never acknowledged) skipped at replay.", s.wal_torn_lines),
            *counter("ctloop_log_wal_set_aside_total",
                     "Replayed WAL lines over the values cap (--max-body-bytes / 16) set aside at start: "
                     "quarantined, not joined (ctloop logger requeue takes them back).", s.wal_set_aside),
            *counter("ctloop_log_events_unavailable_total",
                     "Events answered 503 because the sink had failed, or was stopping (its final flush had begun).", s.unavailable),
            "# HELP ctloop_log_events_rejected_total Events rejected, by reason.",
            "# TYPE ctloop_log_events_rejected_total counter",
        ]
        # every reason from the first scrape on, 0 until refused: a series born at its first refusal,
        # already 1, is one increase() cannot see (CtloopLogEventsRefusedForSize missed a lost event)
        rejected = {**dict.fromkeys(REASONS, 0), **s.rejected}
        lines += [f'ctloop_log_events_rejected_total{{reason="{r}"}} {n}' for r, n in sorted(rejected.items())]
        lines += ["# HELP ctloop_log_healthy 1 while events can be made durable, 0 once the sink has failed.",
                  "# TYPE ctloop_log_healthy gauge", f"ctloop_log_healthy {0 if self.failure else 1}",
                  "# HELP ctloop_log_buffered_rows Rows waiting for the next flush.", "# TYPE ctloop_log_buffered_rows gauge",
                  f"ctloop_log_buffered_rows {self._n_rows}",
                  *counter("ctloop_log_flush_errors_total", "Flushes that failed (rows kept, retried).", s.flush_errors),
                  "# HELP ctloop_log_flush_failing 1 while flushes fail (events safe in the WAL, not in Parquet).",
                  "# TYPE ctloop_log_flush_failing gauge",
                  f"ctloop_log_flush_failing {0 if s.flush_failing_since is None else 1}",
                  "# HELP ctloop_log_last_flush_success_timestamp_seconds When a flush last wrote everything.",
                  "# TYPE ctloop_log_last_flush_success_timestamp_seconds gauge",
                  f"ctloop_log_last_flush_success_timestamp_seconds {s.last_flush_ok:.3f}",
                  "# HELP ctloop_log_flush_seconds Flush latency.", "# TYPE ctloop_log_flush_seconds histogram"]
        for b, n in zip(FLUSH_BUCKETS, s.flush_buckets, strict=True):
            lines.append(f'ctloop_log_flush_seconds_bucket{{le="{b}"}} {n}')
        lines += [f'ctloop_log_flush_seconds_bucket{{le="+Inf"}} {s.flush_count}',
                  f"ctloop_log_flush_seconds_sum {s.flush_sum:.6f}",
                  f"ctloop_log_flush_seconds_count {s.flush_count}"]
        return "\n".join(lines) + "\n"


__all__ = ["Sink", "SinkUnavailable", "Stats", "row_line", "table_from_lines", "write_durably", "fsync_dir", "sweep_temp_files",
           "QUARANTINE_DIR"]
