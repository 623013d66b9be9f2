"""``ctloop logger requeue``: WAL lines the sink set aside at replay, back into the log.

A write-ahead log line over the values cap (``--max-body-bytes / 16``: written by an older version
or under a larger limit) is not joined when the sink replays its WAL at start: it is quarantined
as ``{"reason": "WAL line …", "set_aside": "too_many_values", "wal_line": "<the line>"}`` in
``<root>/_quarantine/date=<day>/part-<uuid>.jsonl`` (:meth:`ctloop.inference_log.sink.Sink._replay`)
and counted as ``ctloop_log_wal_set_aside_total``. The event was acknowledged to KServe's agent, so
it is not lost: this reads those lines again, under a limit given here, and writes them as the sink
does (the real :class:`~ctloop.inference_log.sink.Sink`: joined, typed, partitioned Parquet).

It follows ``ctloop logger import`` (:mod:`ctloop.inference_log.blob_import`):

* **One cap's values at a time.** These are the events too big for the sink: a line is read (the
  quarantine file in chunks), parsed and written through the sink; lines are flushed to Parquet
  and recorded once the next would take what is held past the cap (``--max-body-bytes / 16``
  values), so a run holds about one cap's values (what ``--max-body-bytes`` asks for) however
  many lines there are, and small lines share a Parquet file and a ledger record. An event whose partner (its request or response) is another
  set-aside line is written as a half row, as one written at replay is.
* **Requeued once.** ``<root>/_imports/quarantine-requeue/checkpoint-<UTC time>-<uuid>.json`` lists
  the SHA-256 of lines whose rows are in Parquet, one written after each flush (this run's
  compacted into one at its end); a later run skips those (``already requeued``), so a run killed
  part-way resumes after the last lines it recorded; the next run merges the records such a run
  left (one a flush) into one before it starts, and its own with them at its end, so the ledger
  stays one file however often runs are killed. The same line quarantined twice (a replay
  repeated after a crash: the sink is at-least-once) is requeued once. A crash between a flush and
  its record writes that line's rows again on the next run: readers deduplicate on
  ``(request_id, instance)``.
* **Skipped for the limit, tried again.** A line still over this run's cap is skipped
  (``too_many_values``) and not recorded, so a run with a larger ``--max-body-bytes`` takes it; a
  line that is no event (``corrupt``) is skipped and counted. Other quarantined records (corrupt WAL
  lines, mismatched pairs, rows Parquet refused) are not set-aside lines and are left alone.
* **Exit 2 when nothing could be requeued** from set-aside lines none of which was requeued
  before: the line counts those still over the cap (and says which limit would take them) and
  those corrupt (which no limit takes), with the first of each.

A requeued request whose response was written at replay (as a row without its request) makes a
second half row of the same ``request_id``: the log's readers join half rows
(:func:`ctloop.inference_log.reader.read_log`), as they do for two sink replicas.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

from ctloop import storage
from ctloop.errors import DataSourceError, InferenceLogError
from ctloop.inference_log import layout
from ctloop.inference_log.defaults import JOIN_TTL_SECONDS, MAX_BODY_BYTES, MAX_COLUMNS, max_values
from ctloop.inference_log.events import Event, count_values

SET_ASIDE = "too_many_values"  # the ``set_aside`` field of a quarantined line the replay set aside
LEDGER = "quarantine-requeue"  # <root>/_imports/<LEDGER>/
LEDGER_FORMAT = "ctloop.quarantine-requeue/1"
READ_BYTES = 1 << 20  # a quarantine file is read this much at a time
# the reason the sink wrote before set-aside records had a ``set_aside`` field
_OLD_REASON = re.compile(r"^WAL line \S+: (request|response) body holds at least [\d,]+ values")


@dataclass
class Summary:
    lines: int = 0  # set-aside WAL lines found under <root>/_quarantine
    already: int = 0  # requeued by an earlier run
    requeued: int = 0
    requests: int = 0
    responses: int = 0
    rows: int = 0
    skipped: Counter = field(default_factory=Counter)
    example: dict[str, str] = field(default_factory=dict)

    def line(self, root: str, cap: int) -> str:
        text = (f"requeued {self.requeued:,} of {self.lines:,} set-aside WAL line(s) from {root}/"
                f"{layout.QUARANTINE_DIR} into {root}: {self.requests:,} request(s), {self.responses:,} "
                f"response(s), {self.rows:,} row(s); {self.already:,} already requeued")
        if self.skipped:
            text += "; skipped " + ", ".join(f"{reason} {n:,}" for reason, n in sorted(self.skipped.items()))
            if self.skipped[SET_ASIDE]:
                text += f" (over the cap of {cap:,} values: raise --max-body-bytes, and the memory with it)"
        return text


def set_aside_lines(root: str) -> Iterator[tuple[str, str]]:
    """``(where, wal_line)`` of each set-aside record under ``<root>/_quarantine``, ``where``
    naming the quarantine file and line number: one at a time, each file read in chunks (one
    replay quarantines all its set-aside lines in one file), so what is held is one line."""
    for uri in storage.list_files(f"{root}/{layout.QUARANTINE_DIR}", ".jsonl"):
        for number, text in enumerate(_lines(uri), 1):
            try:
                record = orjson.loads(text)
            except orjson.JSONDecodeError:
                continue  # not a line the sink wrote whole: nothing to requeue from it
            del text
            if not isinstance(record, dict) or not isinstance(record.get("wal_line"), str):
                continue
            if record.get("set_aside") == SET_ASIDE or _OLD_REASON.match(str(record.get("reason", ""))):
                yield f"{uri}:{number}", record.pop("wal_line")
            del record


def _lines(uri: str) -> Iterator[bytes]:
    """The lines of ``uri`` (without their newline), read ``READ_BYTES`` at a time: a line is
    joined once from its pieces (no copy per chunk) and nothing of it is kept once yielded."""
    fs, path = storage.filesystem(uri)
    pieces: list[bytes] = []
    try:
        with fs.open_input_stream(path, compression=None) as stream:
            while chunk := stream.read(READ_BYTES):
                start = 0
                while (end := chunk.find(b"\n", start)) >= 0:
                    pieces.append(chunk[start:end])
                    yield _take(pieces)
                    start = end + 1
                if start < len(chunk):
                    pieces.append(chunk[start:])
    except OSError as exc:
        raise storage.arrow_error(uri, exc) from exc
    if pieces:
        yield _take(pieces)


def _take(pieces: list[bytes]) -> bytes:
    line = b"".join(pieces)
    pieces.clear()
    return line


def _digest(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8", errors="surrogatepass")).hexdigest()


def _ledger_prefix(root: str) -> str:
    return f"{root}/{layout.import_ledger_dir(LEDGER)}"


def _done(root: str) -> tuple[set[str], list[str]]:
    """The digests of every line recorded under the ledger, and the ledger files that list them
    (a killed run's records, one a flush, among them). A file another requeue merged meanwhile is
    gone: the ledger is listed once more for the merged file it wrote first."""
    done: set[str] = set()
    parts: list[str] = []
    seen: set[str] = set()
    for _ in range(2):
        vanished = False
        for part in storage.list_files(_ledger_prefix(root), ".json", empty=True):
            if part in seen:
                continue
            seen.add(part)
            data = _read_part(part)
            if data is None:
                vanished = True
                continue
            try:
                record = orjson.loads(data)
                if record["format"] != LEDGER_FORMAT or not isinstance(record["lines"], list):
                    raise TypeError(f"format {record.get('format')!r} is not {LEDGER_FORMAT!r}")
            except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
                raise DataSourceError(f"{part} is not a requeue record ({exc}): move it aside, and the lines it "
                                      "lists are requeued again") from exc
            done.update(record["lines"])
            parts.append(part)
        if not vanished:
            break
    return done, sorted(parts)


def _read_part(part: str) -> bytes | None:
    """A ledger file's bytes; None when it is gone (another requeue merged it, having written the
    merged file first)."""
    try:
        return storage.read_bytes(part)
    except DataSourceError:
        if storage.exists(part):
            raise
        return None


def run_requeue(root: str, *, max_body_bytes: int = MAX_BODY_BYTES, join_ttl_seconds: float = JOIN_TTL_SECONDS,
                max_columns: int = MAX_COLUMNS) -> Summary:
    """Requeue the set-aside WAL lines of the log at ``root`` (see the module docstring).

    Up to one cap's values at a time: lines read, parsed and written through the sink, flushed to
    Parquet and recorded in the ledger before more is read. These are the events too big for the
    sink, so the memory a run needs is about one cap's values (what ``--max-body-bytes`` asks
    for), whatever their number, and a run killed part-way resumes after the last lines it recorded."""
    if not storage.is_remote(root):
        root = storage.parse(root).key
    root = root.rstrip("/") or "/"
    cap = max_values(max_body_bytes)
    summary = Summary()
    done, ledger = _done(root)
    if len(ledger) > 1:  # the records of a run killed part-way (one a flush): merged before going on
        ledger = [_compact(root, ledger)]
    parts: list[str] = []  # the ledger files this run wrote, one a flush: compacted with the ledger at the end
    with tempfile.TemporaryDirectory(prefix="ctloop-requeue-wal-") as tmp:
        try:
            asyncio.run(_requeue(root, tmp, cap, done, parts, summary, join_ttl_seconds=join_ttl_seconds,
                                 max_columns=max_columns))
        except OSError as exc:
            raise InferenceLogError(f"cannot write the inference log under {root}: {exc}; {summary.requeued:,} line(s) "
                                    "were requeued and recorded, the next run reads the others again") from exc
    if len(ledger + parts) > 1:
        _compact(root, ledger + parts)
    if not summary.requeued and summary.lines and not summary.already:
        over, corrupt = summary.skipped[SET_ASIDE], summary.skipped["corrupt"]
        why = []
        if over:
            why.append(f"{over:,} still over the cap of {cap:,} values (--max-body-bytes {max_body_bytes} / 16): "
                       "raise --max-body-bytes")
        if corrupt:
            why.append(f"{corrupt:,} corrupt (no event: left in the quarantine, requeue cannot take them)")
        firsts = "".join(f"; first {label}: {summary.example[reason]}"
                         for reason, label in ((SET_ASIDE, "over the cap"), ("corrupt", "corrupt"))
                         if reason in summary.example)
        raise InferenceLogError(f"nothing requeued from {root}/{layout.QUARANTINE_DIR}: {summary.lines:,} set-aside "
                                f"WAL line(s), {', '.join(why)}{firsts}")
    return summary


async def _requeue(root: str, wal_dir: str, cap: int, done: set[str], parts: list[str], summary: Summary, *,
                   join_ttl_seconds: float, max_columns: int) -> None:
    """Each set-aside line not requeued before, in turn: into the sink (WAL), flushed to Parquet
    (an event whose partner is not here is written as a half row: readers join half rows), then
    recorded; nothing of one line is held while the next is read."""
    from ctloop.inference_log.sink import Sink, SinkUnavailable

    sink: Sink | None = None
    seen: set[str] = set()
    batch: list[tuple[str, str]] = []  # (digest, kind) accepted, not yet flushed and recorded
    held = 0  # the values of those lines

    async def commit() -> None:  # the batch's rows in Parquet (a failed write raises: not recorded), then recorded
        nonlocal held
        await sink.flush(final=True)
        parts.append(_record(root, [digest for digest, _ in batch]))
        summary.requeued += len(batch)
        summary.requests += sum(kind == "request" for _, kind in batch)
        summary.responses += sum(kind == "response" for _, kind in batch)
        summary.rows = sink.stats.rows_written
        batch.clear()
        held = 0

    try:
        for where, line in set_aside_lines(root):
            summary.lines += 1
            digest = _digest(line)
            if digest in done or digest in seen:
                summary.already += 1
                continue
            seen.add(digest)
            try:
                event = Event.from_json(line)
            except (ValueError, TypeError) as exc:
                summary.skipped["corrupt"] += 1
                summary.example.setdefault("corrupt", f"{where}: {str(exc)[:300]}")
                continue
            finally:
                del line
            count = count_values(event.kind, event.body, cap)
            if count > cap:
                summary.skipped[SET_ASIDE] += 1
                summary.example.setdefault(SET_ASIDE, f"{where}: {event.kind} {event.id[:128]} of model {event.model} "
                                                      f"holds at least {count:,} values")
                continue
            if sink is None:
                sink = Sink(root, wal_dir, join_ttl_seconds=join_ttl_seconds, max_columns=max_columns, max_values=cap)
                await sink.start()
            if batch and held + count > cap:  # lines of up to one cap's values a flush: a few files, not one a line
                await commit()
            batch.append((digest, event.kind))
            held += count
            await sink.accept(event)  # durable in the WAL
            del event
        if batch:
            await commit()
    except SinkUnavailable as exc:
        await sink.abandon()
        raise InferenceLogError(f"the requeue stopped: {exc}; {summary.requeued:,} line(s) were requeued and "
                                "recorded, the next run reads the others again") from exc
    except BaseException:
        if sink is not None:
            await sink.abandon()  # nothing more is written: what is not recorded is read again
        raise
    if sink is not None:
        await sink.stop()
        if sink.failure is not None:
            raise InferenceLogError(f"the requeue stopped: {sink.failure}")


def _record(root: str, digests: list[str]) -> str:
    """A ledger file listing ``digests`` (lines whose rows are in Parquet); returns its URI."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    uri = f"{_ledger_prefix(root)}/checkpoint-{stamp}-{uuid.uuid4().hex[:8]}.json"
    storage.write_bytes(uri, orjson.dumps({"format": LEDGER_FORMAT, "time": datetime.now(UTC).isoformat(),
                                           "lines": digests}))
    return uri


def _compact(root: str, parts: list[str]) -> str:
    """The ledger files ``parts`` as one, whose URI is returned (written first: a crash in
    between leaves both, which list the same lines). A part already gone was merged by another
    run, which wrote its lines before deleting it."""
    digests: dict[str, None] = {}
    for part in parts:
        data = _read_part(part)
        if data is not None:
            digests.update(dict.fromkeys(orjson.loads(data)["lines"]))
    merged = _record(root, list(digests))
    for part in parts:
        storage.delete(part)
    return merged


__all__ = ["Summary", "run_requeue", "set_aside_lines"]
