"""``ctloop logger requeue``: WAL lines the sink set aside at replay, back into the log.

A write-ahead log line over the values cap (``--max-body-bytes / 16``: written by an older version
or under a larger limit) is not joined when the sink replays its WAL at start: it is quarantined
as ``{"reason": "WAL line …", "set_aside": "too_many_values", "wal_line": "<the line>"}`` in
``<root>/_quarantine/date=<day>/part-<uuid>.jsonl`` (:meth:`ctloop.inference_log.sink.Sink._replay`)
and counted as ``ctloop_log_wal_set_aside_total``. The event was acknowledged to KServe's agent, so
it is not lost: this reads those lines again, under a limit given here, and writes them as the sink
does (the real :class:`~ctloop.inference_log.sink.Sink`: joined, typed, partitioned Parquet).

It follows ``ctloop logger import`` (:mod:`ctloop.inference_log.blob_import`):

* **Requeued once.** ``<root>/_imports/quarantine-requeue/checkpoint-<UTC time>-<uuid>.json`` lists
  the SHA-256 of every line whose rows are in Parquet, written after the sink's final flush; a later
  run skips those (``already requeued``). The same line quarantined twice (a replay repeated after a
  crash: the sink is at-least-once) is requeued once. A crash between the flush and the record
  writes the rows again on the next run: readers deduplicate on ``(request_id, instance)``.
* **Skipped for the limit, tried again.** A line still over this run's cap is skipped
  (``too_many_values``) and not recorded, so a run with a larger ``--max-body-bytes`` takes it; a
  line that is no event (``corrupt``) is skipped and counted. Other quarantined records (corrupt WAL
  lines, mismatched pairs, rows Parquet refused) are not set-aside lines and are left alone.
* **Exit 2 when nothing could be requeued** from set-aside lines none of which was requeued
  before (each still over the cap: the line says which limit would take them).

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
BATCH = 4096  # events submitted before waiting for their WAL commit
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


def set_aside_lines(root: str) -> list[tuple[str, str]]:
    """``(where, wal_line)`` of every set-aside record under ``<root>/_quarantine``, ``where``
    naming the quarantine file and line number."""
    found = []
    for uri in storage.list_files(f"{root}/{layout.QUARANTINE_DIR}", ".jsonl"):
        for number, text in enumerate(storage.read_bytes(uri).splitlines(), 1):
            try:
                record = orjson.loads(text)
            except orjson.JSONDecodeError:
                continue  # not a line the sink wrote whole: nothing to requeue from it
            if not isinstance(record, dict) or not isinstance(record.get("wal_line"), str):
                continue
            if record.get("set_aside") == SET_ASIDE or _OLD_REASON.match(str(record.get("reason", ""))):
                found.append((f"{uri}:{number}", record["wal_line"]))
    return found


def _digest(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8", errors="surrogatepass")).hexdigest()


def _ledger_prefix(root: str) -> str:
    return f"{root}/{layout.import_ledger_dir(LEDGER)}"


def _done(root: str) -> set[str]:
    done: set[str] = set()
    for part in storage.list_files(_ledger_prefix(root), ".json"):
        try:
            record = orjson.loads(storage.read_bytes(part))
            if record["format"] != LEDGER_FORMAT or not isinstance(record["lines"], list):
                raise TypeError(f"format {record.get('format')!r} is not {LEDGER_FORMAT!r}")
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise DataSourceError(f"{part} is not a requeue record ({exc}): move it aside, and the lines it "
                                  "lists are requeued again") from exc
        done.update(record["lines"])
    return done


def run_requeue(root: str, *, max_body_bytes: int = MAX_BODY_BYTES, join_ttl_seconds: float = JOIN_TTL_SECONDS,
                max_columns: int = MAX_COLUMNS) -> Summary:
    """Requeue the set-aside WAL lines of the log at ``root`` (see the module docstring)."""
    from ctloop.inference_log.sink import Sink

    if not storage.is_remote(root):
        root = storage.parse(root).key
    root = root.rstrip("/") or "/"
    cap = max_values(max_body_bytes)
    summary = Summary()
    done = _done(root)
    todo: list[tuple[str, Event]] = []
    seen: set[str] = set()
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
            summary.example.setdefault("corrupt", f"{where}: {exc}")
            continue
        count = count_values(event.kind, event.body, cap)
        if count > cap:
            summary.skipped[SET_ASIDE] += 1
            summary.example.setdefault(SET_ASIDE, f"{where}: {event.kind} {event.id[:128]} of model {event.model} "
                                                  f"holds at least {count:,} values")
            continue
        todo.append((digest, event))
    if todo:
        with tempfile.TemporaryDirectory(prefix="ctloop-requeue-wal-") as tmp:
            sink = Sink(root, tmp, join_ttl_seconds=join_ttl_seconds, max_columns=max_columns, max_values=cap)
            try:
                asyncio.run(_write(sink, [event for _, event in todo]))
            except OSError as exc:
                raise InferenceLogError(f"cannot write the inference log under {root}: {exc}; nothing was recorded "
                                        "as requeued, the next run reads the lines again") from exc
        summary.rows = sink.stats.rows_written
        summary.requeued = len(todo)
        summary.requests = sum(event.kind == "request" for _, event in todo)
        summary.responses = len(todo) - summary.requests
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        storage.write_bytes(f"{_ledger_prefix(root)}/checkpoint-{stamp}-{uuid.uuid4().hex[:8]}.json",
                            orjson.dumps({"format": LEDGER_FORMAT, "time": datetime.now(UTC).isoformat(),
                                          "lines": [digest for digest, _ in todo]}))
    elif summary.lines and not summary.already:
        first = summary.example.get(SET_ASIDE) or summary.example.get("corrupt", "")
        raise InferenceLogError(f"nothing requeued from {root}/{layout.QUARANTINE_DIR}: {summary.lines:,} set-aside "
                                f"WAL line(s), {summary.skipped[SET_ASIDE]:,} still over the cap of {cap:,} values "
                                f"(--max-body-bytes {max_body_bytes} / 16): raise --max-body-bytes"
                                + (f"; first: {first}" if first else ""))
    return summary


async def _write(sink, events: list[Event]) -> None:
    """Every event through the sink (WAL, join, Parquet); the final flush writes what waits."""
    from ctloop.inference_log.sink import SinkUnavailable

    await sink.start()
    try:
        for start in range(0, len(events), BATCH):
            await asyncio.gather(*(sink.submit(event) for event in events[start:start + BATCH]))
    except SinkUnavailable as exc:
        await sink.abandon()
        raise InferenceLogError(f"the requeue stopped: {exc}") from exc
    await sink.stop()
    if sink.failure is not None:
        raise InferenceLogError(f"the requeue stopped: {sink.failure}")


__all__ = ["Summary", "run_requeue", "set_aside_lines"]
