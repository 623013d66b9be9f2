"""``ctloop logger import``: what KServe's payload logger wrote to blob storage → the inference log.

With ``logger.url: s3://…`` (or ``gs://``, ``abfs://``) and ``logger.storage`` (KServe v0.16+),
the agent sidecar writes objects instead of posting CloudEvents. What this module reads follows
KServe v0.20.0 (tag ``v0.20.0``, commit ``1fb781055dd1567164358233e1125142ca6ef1fe``):

* ``pkg/logger/store.go`` — object key
  ``<url path>/<namespace>/<isvc>/<component>/<storage.path>/<id>-<type>.<ext>``, where ``<type>``
  is what follows the last ``.`` of the CloudEvent type (``request``, ``response``) and ``<ext>``
  the marshaller's (``json``, ``csv``, ``parquet``). Batched logging (``logger.batchSize`` > 1)
  names a whole batch after its *first* record.
* ``pkg/logger/marshaller_json.go`` — a one-record batch is one JSON ``LogRequest`` object, a
  larger one a JSON array of them.
* ``pkg/logger/types.go`` — ``LogRequest``: ``bytes`` (the body; Go encodes ``[]byte`` as standard
  base64), ``contentType``, ``reqType`` (the full CloudEvent type,
  ``org.kubeflow.serving.inference.request`` / ``….response``: ``handler.go`` sets
  ``CEInferenceRequest`` / ``CEInferenceResponse`` of ``worker.go``), ``id``, ``sourceUri`` (a Go
  ``*url.URL``, which has no JSON form of its own — Go's ``net/url/url.go``: "Would like to implement
  MarshalText/UnmarshalText but that will change the JSON representation of URLs" — so an object of
  its exported fields ``Scheme``, ``Host``, ``Path``, …; ``User`` is ``{}`` or null),
  ``inferenceService``, ``namespace``, ``component``, ``endpoint``, ``metadata`` (header → values),
  ``annotations`` and ``occurrenceTime`` (RFC 3339 with nanoseconds; since v0.18.0, KServe
  c8df1f187 — older objects have none).
* ``pkg/logger/marshaller_record.go`` — the CSV and Parquet marshallers write no
  ``occurrenceTime``: their rows cannot be placed in time, so such objects are skipped.

Each record becomes the CloudEvent ``worker.go`` ``sendHttpCloudEvent`` would have posted (id,
type, source, time, the extensions ``inferenceservicename``, ``namespace``, ``component``,
``endpoint``, ``metadata``, ``annotations``, the body as data of the record's ``contentType``:
``event.SetData(logReq.ContentType, …)``) and goes through
:func:`~ctloop.inference_log.events.parse_event` and the real :class:`~ctloop.inference_log.sink.Sink`:
validation, request/response joining, column types and quarantine are the HTTP receiver's.

**Imported once.** ``<root>/_imports/kserve-<hash of the source>/`` records every object whose
events are in Parquet, with its size, etag and the MD5 of its bytes; a later run skips those. An
object is read again only when its bytes changed: a new etag with the same MD5 the store lists
(GCS ``md5Hash``, Azure ``Content-MD5``), the same GCS ``generation`` or, where the store lists
none, the same MD5 of the bytes read is a metadata-only change (Azure's Set Blob Metadata and
Properties, a GCS metadata update, a touched local file), not a new object. The record holds the
objects of the last listing only (its size follows the source, not its history) and is named by the
source however it is written (:func:`source_id`); records of format 1 (one per spelling, keyed on
the URI as given) are taken over. A record is written at each checkpoint, for the objects none of
whose events still waits for its partner, after a flush put their rows in Parquet: an interrupted
import reads only the objects after its last checkpoint again (at-least-once, as the sink: rows
flushed after that checkpoint are written twice; readers deduplicate on ``(request_id, instance)``).
An object skipped for what it holds (CSV, not JSON, no ``occurrenceTime``, …) is recorded too, with
its reason: later runs count it as skipped without downloading it again (until its bytes change).
Objects skipped for this run's limits (``too_large``, a body over ``--max-body-bytes``) or because
they could not be read (``unreadable``) are not: the next run tries them again.

**Failures.** An object that cannot be read (access denied to that key, removed after the
listing) is skipped as ``unreadable``, the first such error in the summary. Only the store itself
(credentials refused, the bucket missing, the endpoint unreachable) stops a run; what is in
Parquet by then is recorded first, so the next run does not write it again.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from ctloop import storage
from ctloop.errors import (
    ConfigError,
    CtloopError,
    DataSourceError,
    InferenceLogError,
    StoreUnavailable,
)
from ctloop.inference_log import layout
from ctloop.inference_log.defaults import (
    CHECKPOINT_OBJECTS,
    JOIN_TTL_SECONDS,
    MAX_BODY_BYTES,
    MAX_COLUMNS,
    MAX_OBJECT_BYTES,
    PROGRESS_OBJECTS,
    max_values,
)
from ctloop.inference_log.events import (
    EMPTY_BODY,
    STRUCTURED,
    Event,
    RejectedEvent,
    parse_event,
)
from ctloop.inference_log.sink import Sink, write_durably

KSERVE_RELEASE = "v0.20.0"
LEDGER_FORMAT = "ctloop.kserve-blob-import/2"  # /1: keyed on the URI as given, no md5
LEGACY_FORMATS = ("ctloop.kserve-blob-import/1",)
UNACKNOWLEDGED = 4096  # events submitted before waiting for their WAL commit (group commit)
DOWNLOADS = 8  # objects fetched at once
GO_ZERO_TIME = "0001-01-01T00:00:00Z"  # time.Time{} as encoding/json writes it: never set
# why an object or a record was not imported (a fixed set: the summary line names them); the
# reasons of what an object holds are recorded in the import record and not read again
RECORDED_REASONS = frozenset({"csv_format", "parquet_format", "not_json", "not_log_request", "empty", "no_event"})
OBJECT_REASONS = {
    "csv_format": "CSV (KServe's CSV marshaller writes no occurrenceTime)",
    "parquet_format": "Parquet (KServe's Parquet marshaller writes no occurrenceTime)",
    "too_large": "larger than --max-object-bytes",
    "not_json": "not JSON (truncated, or not a KServe JSON log object)",
    "not_log_request": "JSON, but not a KServe LogRequest or an array of them",
    "empty": "an empty array",
    "no_event": "no record could be imported",
    "unreadable": "could not be read (access denied, removed after the listing, …): tried again next run",
}
# records skipped by a limit a rerun may raise (--max-body-bytes): their object is not recorded as done
LIMITED_REASONS = frozenset({"oversize", "too_many_values"})
RECORD_REASONS = ("unknown_type", "bad_base64", "no_time", "oversize", "too_many_values", "missing_header", "bad_header", "bad_json",
                  "bad_payload", "bad_specversion", "not_log_request", "grpc", "not_inference")


@dataclass
class Decoded:
    """One object's records as events, and why the others were skipped (reason → count)."""

    events: list[Event] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)  # each event's record number in the object
    reason: str | None = None  # why the whole object was skipped (OBJECT_REASONS)
    skipped: Counter = field(default_factory=Counter)
    example: dict[str, str] = field(default_factory=dict)  # reason → first message

    def skip(self, reason: str, message: str) -> None:
        self.skipped[reason] += 1
        self.example.setdefault(reason, message)


def _url(value: Any) -> str:
    """A Go ``*url.URL`` as encoding/json writes it (its exported fields: ``Scheme``, ``Opaque``,
    ``User``, ``Host``, ``Path``, ``RawQuery``, ``Fragment``, …) back into text, as
    ``url.URL.String()`` would; a string is taken as it is (another marshaller's)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return ""
    scheme, opaque = str(value.get("Scheme") or ""), str(value.get("Opaque") or "")
    host, path = str(value.get("Host") or ""), str(value.get("RawPath") or value.get("Path") or "")
    out = f"{scheme}:" if scheme else ""
    if opaque:
        out += opaque
    else:
        if scheme or host:
            out += "//" + host
        if path and not path.startswith("/") and host:
            path = "/" + path
        out += path
    if value.get("RawQuery") or value.get("ForceQuery"):
        out += "?" + str(value.get("RawQuery") or "")
    fragment = value.get("RawFragment") or value.get("Fragment")
    if fragment:
        out += "#" + str(fragment)
    return out


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


class SkippedRecord(InferenceLogError, ValueError):
    """A record the import cannot use for a reason the HTTP receiver never meets (its base64, its
    time); ``code`` is one of :data:`RECORD_REASONS`."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        assert code in RECORD_REASONS, code
        self.code, self.reason = code, reason


def record_event(record: dict[str, Any], *, max_body_bytes: int = MAX_BODY_BYTES) -> Event:
    """One ``LogRequest`` → the event the HTTP receiver makes of the CloudEvent ``worker.go``
    sends for it. Raises :class:`SkippedRecord`, or :class:`RejectedEvent` for what the receiver
    would answer 400 (the same ``code``)."""
    ce_type = record.get("reqType")
    if not isinstance(ce_type, str) or not ce_type.endswith((".inference.request", ".inference.response")):
        raise SkippedRecord("unknown_type", f"reqType {str(ce_type)[:80]!r} is not …inference.request or …inference.response")
    if "bytes" not in record:  # v0.20.0 handler.go sets Bytes: &body always, written "" when empty
        raise SkippedRecord("bad_base64", "no bytes: a damaged record (KServe's agent writes one always)")
    data = record["bytes"]
    if not isinstance(data, str):
        raise SkippedRecord("bad_base64", f"bytes is a {type(data).__name__}, not base64 text")
    try:
        body = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SkippedRecord("bad_base64", f"bytes is not base64: {exc}") from exc
    if not body:  # a call without a body (a GET through the predictor) or answered 200 without one
        raise RejectedEvent(400, EMPTY_BODY[ce_type.rsplit(".", 1)[1]], "not_inference")
    if len(body) > max_body_bytes:
        raise SkippedRecord("oversize", f"the body has {len(body):,} bytes, more than --max-body-bytes {max_body_bytes:,}")
    occurred = record.get("occurrenceTime")
    if not isinstance(occurred, str) or not occurred or occurred == GO_ZERO_TIME:
        raise SkippedRecord("no_time", "no occurrenceTime (KServe before v0.18.0 writes none): the rows cannot be placed "
                               "in time")
    envelope = {
        "specversion": "1.0", "id": record.get("id"), "type": ce_type, "source": _url(record.get("sourceUri")),
        "time": occurred, "inferenceservicename": record.get("inferenceService"),
        "namespace": record.get("namespace"), "component": record.get("component"),
        "endpoint": record.get("endpoint"), "metadata": _json_text(record.get("metadata")),
        "annotations": _json_text(record.get("annotations") or None),  # worker.go: only when there are any
        "data_base64": data,
    }
    content_type = record.get("contentType")
    if isinstance(content_type, str) and content_type:  # worker.go: event.SetData(logReq.ContentType, …)
        envelope["datacontenttype"] = content_type  # a gRPC call's is refused as grpc (events._structured)
    for name in ("id", "inferenceservicename", "namespace", "component", "endpoint"):
        if envelope[name] is not None and not isinstance(envelope[name], str):
            raise RejectedEvent(400, f"{name} is a {type(envelope[name]).__name__}, not text", "bad_header")
    return parse_event({"content-type": STRUCTURED}, orjson.dumps(envelope), lowercase=True,
                       max_values=max_values(max_body_bytes))


def decode_object(name: str, data: bytes, *, max_body_bytes: int = MAX_BODY_BYTES,
                  imported: frozenset[int] = frozenset()) -> Decoded:
    """The records of one object as events, but those numbered in ``imported`` (in the log
    already); reasons for whatever could not be used."""
    out = Decoded()
    if data[:2] == storage.GZIP_MAGIC:  # stored with Content-Encoding: gzip (gsutil cp -z, a log shipper)
        import zlib

        inflate = zlib.decompressobj(wbits=31)
        plain = inflate.decompress(data, MAX_OBJECT_BYTES + 1)
        if len(plain) > MAX_OBJECT_BYTES or not inflate.eof:
            out.reason = "too_large"
            out.example["too_large"] = f"{name}: more than {MAX_OBJECT_BYTES} bytes once gunzipped (or cut short)"
            return out
        data = plain
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        out.reason, out.example["not_json"] = "not_json", f"{name}: not JSON: {exc}"
        return out
    records = parsed if isinstance(parsed, list) else [parsed]
    if isinstance(parsed, list) and not parsed:
        out.reason, out.example["empty"] = "empty", f"{name}: an empty array"
        return out
    if not any(isinstance(record, dict) and "reqType" in record for record in records):
        out.reason = "not_log_request"
        out.example["not_log_request"] = f"{name}: JSON without a LogRequest (no reqType)"
        return out
    for i, record in enumerate(records):
        if i in imported:
            continue
        where = name if len(records) == 1 else f"{name}[{i}]"
        if not isinstance(record, dict) or "reqType" not in record:
            out.skip("not_log_request", f"{where}: not a LogRequest (no reqType)")
            continue
        try:
            out.events.append(record_event(record, max_body_bytes=max_body_bytes))
            out.indices.append(i)
        except (SkippedRecord, RejectedEvent) as exc:
            out.skip(exc.code, f"{where}: {exc.reason}")
    return out


def source_id(uri: str) -> str:
    """One spelling of the source ``uri`` names: a local path absolute (``file://`` decoded, a
    relative path from the working directory), an object store prefix with the key as
    :func:`storage.parse` reads it (``s3://b//x`` is ``s3://b/x``; ``abfs://`` and ``abfss://`` of
    one container and account are ``az://C@ACCOUNT/...``) and no trailing ``/``. The
    usual spellings (an absolute path, ``s3://b/x``) are what ctloop hashed before."""
    loc = storage.parse(uri)
    if loc.scheme == "file":
        return os.path.abspath(loc.key)
    if loc.account:  # abfs:// and abfss:// of one container and account are one store
        return f"az://{loc.bucket}@{loc.account}/{loc.key}".rstrip("/")
    scheme, rest = uri.split("://", 1)
    return f"{scheme.lower()}://{rest.split('/', 1)[0]}/{loc.key}".rstrip("/")


def ledger_name(uri: str) -> str:
    """``kserve-<hash>``: the ledger of one source, however its URI is written (:func:`source_id`)."""
    return "kserve-" + hashlib.sha256(source_id(uri).encode()).hexdigest()[:16]


def _recordable(name: str) -> str:
    """A local file name as the import record (UTF-8 JSON) can hold it: a name whose bytes are not
    UTF-8 (listed with surrogate escapes) with those bytes as ``\\xNN``. Before, the record could
    not be written: a traceback after the rows were, and every later run imported them again."""
    if name.isascii():
        return name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


class _Source:
    """The source prefix ``uri``, parsed once: the name each listed object is recorded by, and
    which listed objects are the log's own files at ``root``."""

    def __init__(self, uri: str, root: str):
        self.uri, self.loc = uri, storage.parse(uri)
        self.prefix = self.loc.key.rstrip("/") if self.loc.scheme != "file" else os.path.abspath(self.loc.key)
        rloc = storage.parse(root)
        if rloc.scheme == "file":  # where the source's files are, seen from the root (symlinks followed)
            self.real = os.path.realpath(self.prefix) if self.loc.scheme == "file" else ""
            self.root_key = os.path.realpath(rloc.key)
        else:
            self.root_key = rloc.key.rstrip("/")
        self.root = rloc

    def key(self, info: storage.ObjectInfo) -> str:
        """The name ``info`` is recorded by: its key (path) below the source, decoded (``file://``
        listings percent-encode names); its name when the source is the object itself."""
        obj = storage.parse(info.uri)
        if self.loc.scheme == "file":
            path = os.path.abspath(obj.key)
            return _recordable(os.path.basename(path) if path == self.prefix
                               else path[len(self.prefix):].lstrip(os.sep))
        if obj.key == self.prefix:
            return obj.key.rsplit("/", 1)[-1]
        return obj.key[len(self.prefix) + 1:] if self.prefix else obj.key

    def log_file(self, key: str, info: storage.ObjectInfo) -> bool:
        """Whether the object is one of the log's own files (a source may hold the root, or sit
        inside it: KServe's objects beside the log are not the log's), however either is spelled."""
        if self.root.scheme == "file":
            if self.loc.scheme != "file":
                return False
            path = self.real if key == os.path.basename(self.prefix) and os.path.isfile(self.prefix) \
                else os.path.join(self.real, key)
            inside = path.startswith(self.root_key.rstrip("/") + "/")
            relative = path[len(self.root_key.rstrip("/")) + 1:]
        else:
            obj = storage.parse(info.uri)
            if (obj.scheme, obj.bucket, obj.account) != (self.root.scheme, self.root.bucket, self.root.account):
                return False
            inside = not self.root_key or obj.key.startswith(self.root_key + "/")
            relative = obj.key[len(self.root_key) + 1:] if self.root_key else obj.key
        return inside and layout.is_log_path(relative)

    def legacy_keys(self, source: str, key: str, info: storage.ObjectInfo) -> list[str]:
        """The names ctloop recorded an object by in a record of format 1, whose source was
        written ``source``: the listed URI (written the way ``source`` was) sliced after it, a
        ``file://`` name percent-encoded or not (93bb076 began encoding)."""
        if self.loc.scheme == "file":
            # file:///p and the minimal file:/p (RFC 8089) were both listed percent-encoded
            return sorted({key, quote(key)}) if source.lower().startswith("file:/") else [key]
        head = source.split("://", 1)[0] + "://" + source.split("://", 1)[1].split("/", 1)[0]
        listed = f"{head}/{storage.parse(info.uri).key}"
        return [listed[len(source):].lstrip("/") or key]


@dataclass
class Summary:
    source: str
    listed: int = 0
    already: int = 0  # objects the ledger lists with the same etag and size
    skipped_before: int = 0  # of objects_skipped: recorded skipped by an earlier run, not read again
    imported: int = 0  # objects at least one event of which went into the log
    requests: int = 0
    responses: int = 0
    rows: int = 0
    objects_skipped: Counter = field(default_factory=Counter)
    records_skipped: Counter = field(default_factory=Counter)
    example: dict[str, str] = field(default_factory=dict)

    def line(self, root: str) -> str:
        text = (f"imported {self.imported:,} object(s) from {self.source} into {root}: "
                f"{self.requests:,} request(s), {self.responses:,} response(s), {self.rows:,} row(s)")
        text += f"; {self.already:,} already imported"
        text += f"; skipped {sum(self.objects_skipped.values()):,} object(s)" + _counts(self.objects_skipped)
        if self.skipped_before:
            text += f", {self.skipped_before:,} as recorded before (not read again)"
        if self.records_skipped:
            text += f", {sum(self.records_skipped.values()):,} record(s)" + _counts(self.records_skipped)
        if self.objects_skipped["unreadable"]:
            text += f"; first unreadable: {self.example['unreadable']}"
        return text


def _counts(counter: Counter) -> str:
    return (" (" + ", ".join(f"{reason} {n:,}" for reason, n in sorted(counter.items())) + ")") if counter else ""


class _Ledger:
    """What was imported from one source: ``<root>/_imports/<ledger_name>/checkpoint-<time>-<uuid>.json``,
    one file per checkpoint holding the objects finished since the one before (record key →
    size, etag, MD5 ...; a later file wins), merged at the end of a run into one file of the
    objects the run listed: the record is as large as the source, not as its history (an object
    gone from the source leaves the record; one still there never does). Appending keeps a
    checkpoint's cost its own objects', not the whole record's.

    Records of format 1 (ctloop before: a directory per spelling of the URI, keys sliced from the
    listed URIs, ``file://`` names percent-encoded since 93bb076 and not before) are taken over
    when this source has no record of the current format yet: their entries for the listed
    objects are written as one current record before anything is imported, then they are
    removed (a crash in between leaves both: the same entries twice, harmless)."""

    def __init__(self, root: str, source: _Source, listed: dict[str, storage.ObjectInfo]):
        self.root, self.uri, self.listed = root, source.uri, listed
        self.keys, self.source = source, source_id(source.uri)
        self.prefix = f"{root}/{layout.import_ledger_dir(ledger_name(source.uri))}"
        self.parts = storage.list_files(self.prefix, ".json", empty=True)
        self.done: dict[str, dict[str, Any]] = {}
        legacy: list[tuple[str, dict[str, Any]]] = []
        for part in self.parts:  # named by time: read oldest first, so the newest entry wins
            record = self._read(part)
            if record["format"] == LEDGER_FORMAT:
                self.done.update(record["objects"])
            else:
                legacy.append((part, record))
        if len(legacy) == len(self.parts):  # nothing of the current format: other spellings too
            legacy += self._other_spellings()
        if legacy:
            self.done = {**self._take_over(legacy), **self.done}
            self.compact(force=True)
            for part, _ in legacy:
                if not part.startswith(self.prefix + "/"):
                    storage.delete(part)

    def _read(self, part: str) -> dict[str, Any]:
        try:
            record = orjson.loads(storage.read_bytes(part))
            objects = record["objects"]
            if not isinstance(objects, dict):
                raise TypeError(f"'objects' is a {type(objects).__name__}")
            if record["format"] not in (LEDGER_FORMAT, *LEGACY_FORMATS):
                raise TypeError(f"format {record['format']!r} is not {LEDGER_FORMAT!r} (a newer ctloop wrote it?)")
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise DataSourceError(f"{part} is not an import record ({exc}): move it aside, and the objects it "
                                  f"lists are imported from {self.uri} again") from exc
        return record

    def _other_spellings(self) -> list[tuple[str, dict[str, Any]]]:
        """The records kept under another directory for this source (format 1: one per spelling
        of the URI); the first record of a directory that reads names its source. Listed with their
        zero-byte files, as the ledger's own: an empty (or unreadable) record in a directory of this
        source is refused, "move it aside", as one in the ledger's own directory is (before, an
        empty one there was left out with a warning and the directory taken over around it)."""
        dirs: dict[str, list[str]] = {}
        for part in storage.list_files(f"{self.root}/{layout.IMPORTS_DIR}", ".json", empty=True):
            folder = part.rsplit("/", 1)[0]
            if folder != self.prefix:
                dirs.setdefault(folder, []).append(part)
        out = []
        for parts in dirs.values():
            first = None
            for part in parts:
                try:
                    first = self._read(part)
                    break
                except (DataSourceError, ConfigError):  # empty or foreign: the next one may name the source
                    continue
            try:
                same = first is not None and source_id(str(first.get("source", ""))) == self.source
            except (DataSourceError, ConfigError):  # not a record this ctloop reads: another source's
                continue
            if same:
                out += [(part, self._read(part)) for part in parts]
        return out

    def _take_over(self, legacy: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
        """The entries of ``legacy`` records for the listed objects, under their record keys."""
        taken: dict[str, dict[str, Any]] = {}
        names: dict[str, dict[str, list[str]]] = {}  # source as written → record key → its names there
        for _, record in sorted(legacy, key=lambda item: item[0].rsplit("/", 1)[-1]):  # oldest first
            objects, source = record["objects"], str(record.get("source", self.uri))
            if record["format"] == LEDGER_FORMAT:
                spelled = {key: [key] for key in self.listed}
            else:
                if source not in names:
                    names[source] = {key: self.keys.legacy_keys(source, key, info)
                                     for key, info in self.listed.items()}
                spelled = names[source]
            for key, info in self.listed.items():
                found = [objects[name] for name in spelled[key] if isinstance(objects.get(name), dict)]
                if found:  # one that matches the object as it is now (a file:// name encoded or not)
                    taken[key] = next((entry for entry in found if _unchanged(entry, info)), found[0])
        return taken

    def add(self, objects: dict[str, dict[str, Any]]) -> None:
        """Record ``objects`` (their events are in Parquet) in a new checkpoint file."""
        self.done.update(objects)
        self.parts.append(self._write(objects))

    def compact(self, force: bool = False) -> None:
        """The entries of the listed objects in one file, the older files removed (a crash in
        between leaves both: the same entries twice, harmless). Nothing is written when that is
        what is there already."""
        keep = {key: entry for key, entry in self.done.items() if key in self.listed}
        if force or len(self.parts) > 1 or len(keep) < len(self.done):
            old, self.done = self.parts, keep
            self.parts = [self._write(keep)] if keep or old else []
            for part in old:
                storage.delete(part)

    def _write(self, objects: dict[str, dict[str, Any]]) -> str:
        part = f"checkpoint-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"
        data = orjson.dumps({"format": LEDGER_FORMAT, "source": self.source, "kserve": KSERVE_RELEASE,
                             "written": datetime.now(UTC).isoformat(), "objects": objects},
                            option=orjson.OPT_SORT_KEYS)
        relative = layout.import_ledger_file(ledger_name(self.source), part)
        if storage.is_remote(self.root):
            storage.write_bytes(f"{self.root}/{relative}", data, content_type="application/json")
        else:
            write_durably(Path(self.root) / relative, data)
        return f"{self.root}/{relative}"


def _entry(info: storage.ObjectInfo, md5: str, **more: Any) -> dict[str, Any]:
    """An object's record: its size and etag, the MD5 of its bytes (left out when it is the
    etag, as S3's of a single-part upload), the GCS generation when the listing states no MD5 (a
    composite object: its metadata changes are then told without a read), and ``more``."""
    entry: dict[str, Any] = {"etag": info.etag, "size": info.size}
    if md5 and md5 != info.etag:
        entry["md5"] = md5
    if info.generation and not info.md5:
        entry["generation"] = info.generation
    entry.update(more)
    return entry


def _unchanged(seen: dict[str, Any], info: storage.ObjectInfo) -> bool | None:
    """Whether the listed object holds the bytes it held when ``seen`` was recorded: True, False,
    or None when only its bytes can tell (its etag changed, which a metadata-only change does on
    GCS and Azure, and a touch does to a local file's, and the store states no MD5 for it)."""
    if seen.get("size") != info.size:
        return False
    if seen.get("etag") == info.etag or (info.generation and seen.get("generation") == info.generation):
        return True
    md5 = seen.get("md5") or seen.get("etag")  # left out: the etag is the MD5 (an S3 single-part upload)
    if md5 and md5 in (info.md5, info.etag):
        return True
    # an object that changed is read whole anyway: reading it to compare first costs nothing
    # (and an MD5 a client set wrong, as Azure lets one, imports nothing twice)
    return None if "md5" in seen or _is_md5(str(seen.get("etag", ""))) else False


def _is_md5(text: str) -> bool:
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)


def _read(uri: str) -> tuple[bytes, str]:
    """An object's bytes and their MD5 (hex)."""
    data = storage.read_bytes(uri)
    return data, hashlib.md5(data, usedforsecurity=False).hexdigest()


def _object_reason(info: storage.ObjectInfo, max_object_bytes: int) -> str | None:
    """Why an object is skipped before it is read (its name or size), else None."""
    name = info.uri.lower()
    if name.endswith(".csv") or name.endswith(".csv.gz"):
        return "csv_format"
    if name.endswith(".parquet"):
        return "parquet_format"
    if info.size > max_object_bytes:
        return "too_large"
    return None


def list_source(uri: str) -> list[storage.ObjectInfo]:
    """The objects under ``uri``, or ``uri`` itself when it is one object; a clear error when
    there is nothing. Every object, names starting with '_' or '.' too: KServe names an object by
    its record's id (``pkg/logger/store.go``: ``<id>-<type>.json``), which is the client's
    ``Ce-Id`` header when it sends one (``pkg/logger/handler.go`` ``getOrCreateID``, v0.20.0), so
    ``_a1-request.json`` is a logged request; the log's own files (a root inside the source) are
    told apart by :func:`ctloop.inference_log.layout.is_log_path`, not by a leading '_'. (The
    scratch rule of :func:`ctloop.storage.list_objects` dropped such objects without a word.)"""
    objects = storage.list_objects(uri, scratch=True)
    if objects:
        return objects
    if storage.exists(uri):
        loc = storage.parse(uri)
        if loc.scheme == "file":
            st = Path(loc.key).stat()
            return [storage.ObjectInfo(uri, st.st_size, f"{st.st_mtime_ns:x}-{st.st_size:x}")]
        return [object_info(uri)]
    if storage.parse(uri).scheme == "file" and (what := storage.special_file(storage.parse(uri).key)) is not None:
        raise DataSourceError(f"{uri} is {what}, not a file or directory of logged records: copy the records to a "
                              "directory and name that")  # was "does not exist" (round 57)
    raise DataSourceError(f"{uri} does not exist: no object at or under that prefix (the logger's storage URL "
                          "is <logger.url>/<namespace>/<isvc>/<component>/<storage.path>)")


def object_info(uri: str) -> storage.ObjectInfo:
    """One object as a listing would give it, from its metadata (one request through
    :func:`storage.filesystem`), never its bytes: its size, and for an etag its last-modified
    time and size (as a local file's), which change when the object is replaced. (Before, the
    whole object was downloaded, whatever its size, to hash it for an etag.) A store's own ETag
    and MD5 are not in that metadata: a record made before, keyed on the MD5, is refreshed by
    one read that compares the bytes."""
    import pyarrow.fs

    fs, path = storage.filesystem(uri)
    try:
        info = fs.get_file_info(path)
    except OSError as exc:
        raise storage.arrow_error(uri, exc) from exc
    if info.type != pyarrow.fs.FileType.File:  # removed since it was found
        raise DataSourceError(f"{uri} does not exist any more: it was removed while it was listed")
    size = int(info.size or 0)
    return storage.ObjectInfo(uri, size, f"{info.mtime_ns or 0:x}-{size:x}")


@dataclass
class _Item:
    """An object to read: ``imported``, its records in the log already; ``seen``, its record
    when it is read only to compare its bytes with the MD5 recorded."""

    key: str
    info: storage.ObjectInfo
    imported: frozenset[int] = frozenset()
    seen: dict[str, Any] | None = None


def _refreshed(seen: dict[str, Any], info: storage.ObjectInfo, md5: str = "") -> dict[str, Any]:
    """The record ``seen`` of an object whose bytes did not change, for the object as listed
    now: its etag, and the MD5 of its bytes when none was recorded (``md5``, or the listing's)."""
    more = {name: value for name, value in seen.items() if name not in ("etag", "size", "md5", "generation")}
    return _entry(info, seen.get("md5") or md5 or info.md5 or (seen["etag"] if seen.get("etag") == info.etag else ""),
                  **more)


def _as_recorded(seen: dict[str, Any], summary: Summary) -> frozenset[int] | None:
    """An unchanged object as its record says: counted as skipped before or already imported
    (None), or the numbers of its records in the log when some were not yet."""
    if seen.get("skipped") in RECORDED_REASONS:  # skipped for what it holds: not read again
        summary.objects_skipped[seen["skipped"]] += 1
        summary.skipped_before += 1
        return None
    if "records" in seen:  # some of its records were waiting for a partner when a run stopped
        return frozenset(seen["records"])
    summary.already += 1
    return None


def run_import(uri: str, root: str, *, max_body_bytes: int = MAX_BODY_BYTES,
               max_object_bytes: int = MAX_OBJECT_BYTES, join_ttl_seconds: float = JOIN_TTL_SECONDS,
               checkpoint_objects: int = CHECKPOINT_OBJECTS, progress_objects: int = PROGRESS_OBJECTS,
               max_columns: int = MAX_COLUMNS, progress: Callable[[str], None] | None = None) -> Summary:
    """Import every object under ``uri`` not imported before into the inference log at ``root``.

    Raises :class:`InferenceLogError` when nothing was ever imported from ``uri`` and none of its
    objects gave an event, :class:`DataSourceError` when nothing is under ``uri``."""
    if not storage.is_remote(root):  # file:///x is the path /x (the sink and the record write paths)
        root = storage.parse(root).key
    root = root.rstrip("/") or "/"
    source = _Source(uri, root)
    listed = {}
    for info in list_source(uri):
        key = source.key(info)
        if not source.log_file(key, info):
            listed[key] = info
    ledger = _Ledger(root, source, listed)
    summary = Summary(source=uri, listed=len(listed))
    todo: list[_Item] = []
    refreshed: dict[str, dict[str, Any]] = {}  # unchanged objects recorded with their etag of now
    for key, info in listed.items():
        seen = ledger.done.get(key)
        same = None if seen is None else _unchanged(seen, info)
        if seen is None or same is False:
            todo.append(_Item(key, info))  # new, or changed since: read whole
        elif same is None:
            todo.append(_Item(key, info, seen=seen))  # only its bytes can tell: read, compared first
        else:
            if (fresh := _refreshed(seen, info)) != seen:
                refreshed[key] = fresh
            if (imported := _as_recorded(seen, summary)) is not None:
                todo.append(_Item(key, info, imported))
    if refreshed:
        ledger.add(refreshed)
    if not todo:
        ledger.compact()
        return summary
    say = progress or (lambda text: print(text, file=sys.stderr, flush=True))
    with tempfile.TemporaryDirectory(prefix="ctloop-import-wal-") as tmp:
        sink = Sink(root, tmp, join_ttl_seconds=join_ttl_seconds, max_columns=max_columns,
                    max_values=max_values(max_body_bytes))
        try:
            asyncio.run(_import(sink, todo, ledger, summary, max_body_bytes=max_body_bytes,
                                max_object_bytes=max_object_bytes, checkpoint_objects=checkpoint_objects,
                                progress_objects=progress_objects, say=say))
        except OSError as exc:  # a local root: object stores raise DataSourceError themselves
            raise InferenceLogError(f"cannot write the inference log under {root}: {exc}; what was not recorded "
                                    f"in {root}/{layout.IMPORTS_DIR} is read again by the next import") from exc
    if summary.imported == 0 and summary.already == 0:  # not a later run where only the unreadable are left
        skipped = summary.objects_skipped
        first = next(iter(summary.example.values()), "")
        raise InferenceLogError(f"nothing imported from {uri}: {len(todo):,} object(s) skipped{_counts(skipped)}"
                                + (f"; first: {first}" if first else ""))
    return summary


async def _import(sink: Sink, todo: list[_Item], ledger: _Ledger, summary: Summary, *,
                  max_body_bytes: int, max_object_bytes: int, checkpoint_objects: int, progress_objects: int,
                  say: Callable[[str], None]) -> None:
    await sink.start()
    loop = asyncio.get_running_loop()
    pending: dict[str, _Pending] = {}  # objects some events of which are not in Parquet yet
    # objects recorded with no event in flight (skipped for what they hold, or read and found
    # unchanged), not recorded yet
    skips: dict[str, dict[str, Any]] = {}
    started = time.monotonic()
    window: list[tuple[_Item, asyncio.Future | None]] = []
    outstanding: list[asyncio.Future] = []
    try:
        with ThreadPoolExecutor(DOWNLOADS, thread_name_prefix="import-read") as pool:
            items = iter(todo)
            since_checkpoint = 0
            for n in range(1, len(todo) + 1):
                while len(window) < DOWNLOADS:
                    item = next(items, None)
                    if item is None:
                        break
                    reason = _object_reason(item.info, max_object_bytes)
                    window.append((item, None if reason else loop.run_in_executor(pool, _read, item.info.uri)))
                item, read = window.pop(0)
                key, info, imported = item.key, item.info, item.imported
                reason = _object_reason(info, max_object_bytes)
                message = f"{key}: {OBJECT_REASONS[reason]}" if reason else ""
                data, md5 = b"", info.md5
                if read is not None:
                    try:
                        data, md5 = await read
                    except StoreUnavailable:
                        raise
                    except DataSourceError as exc:  # this object only: AccessDenied, KMS, removed since listed
                        reason, message = "unreadable", str(exc)
                if reason is None and item.seen is not None:
                    if md5 == (item.seen.get("md5") or item.seen.get("etag")):  # the bytes recorded
                        fresh = _refreshed(item.seen, info, md5)
                        imported = _as_recorded(item.seen, summary)
                        if imported is None:
                            skips[key] = fresh
                            reason = "unchanged"
                    else:
                        imported = frozenset()  # changed: read whole
                if reason == "unchanged":
                    pass
                elif reason is not None:
                    summary.objects_skipped[reason] += 1
                    summary.example.setdefault(reason, message)
                    if reason in RECORDED_REASONS:
                        skips[key] = _entry(info, md5, skipped=reason)
                else:
                    decoded = decode_object(key, data, max_body_bytes=max_body_bytes, imported=imported)
                    outstanding += _submit(sink, decoded, key, info, md5, imported, pending, summary)
                    if not decoded.events and not imported and not LIMITED_REASONS & set(decoded.skipped):
                        skips[key] = _entry(info, md5, skipped=decoded.reason or "no_event")
                    if len(outstanding) >= UNACKNOWLEDGED:
                        await _acknowledged(sink, outstanding)
                since_checkpoint += 1
                if since_checkpoint >= checkpoint_objects:
                    since_checkpoint = 0
                    await _acknowledged(sink, outstanding)
                    await sink.flush()
                    _checkpoint(sink, pending, ledger, skips, summary)
                if progress_objects and n % progress_objects == 0:
                    say(f"import: {n:,}/{len(todo):,} object(s) read, {summary.requests + summary.responses:,} "
                        f"event(s), {time.monotonic() - started:.0f} s")
            await _acknowledged(sink, outstanding)
    except (ConfigError, StoreUnavailable):
        # the store (credentials refused, bucket gone, endpoint unreachable): what the sink's
        # flusher wrote since the last checkpoint is recorded first, so the next run does not
        # write it again
        await _settle(sink, outstanding, pending, ledger, skips, summary)
        await _abandon(sink, outstanding, window)
        raise
    except BaseException:
        # what is not recorded is read again by the next run: nothing more is written (no request
        # written alone whose response is in an object not read yet)
        await _abandon(sink, outstanding, window)
        raise
    await sink.stop()
    summary.rows = sink.stats.rows_written
    if sink.failure is not None:
        raise InferenceLogError(f"the import stopped: {sink.failure}")
    _checkpoint(sink, pending, ledger, skips, summary)
    ledger.compact()


async def _abandon(sink: Sink, outstanding: list[asyncio.Future], window: list) -> None:
    """Stop the sink writing, and retrieve what the events submitted and the reads in flight
    ended with (SinkUnavailable, the reads' errors): the run's own error is the one said, not
    a "Future exception was never retrieved" for each of them."""
    await sink.abandon()
    await asyncio.gather(*outstanding, *(read for _, read in window if read is not None), return_exceptions=True)


async def _settle(sink: Sink, outstanding: list[asyncio.Future], pending: dict[str, _Pending],
                  ledger: _Ledger, skips: dict[str, dict[str, Any]], summary: Summary) -> None:
    """Before a run stops: flush what is complete and record it (a checkpoint). If that fails too,
    nothing is recorded and the error the run stops for is the one reported."""
    try:
        await _acknowledged(sink, outstanding)
        await sink.flush()
        _checkpoint(sink, pending, ledger, skips, summary)
    except (CtloopError, OSError):
        pass


@dataclass
class _Pending:
    info: storage.ObjectInfo
    md5: str  # of its bytes
    waiting: dict[int, str]  # record number → event id, for events not known to be in Parquet
    done: set[int]  # record numbers in Parquet


def _submit(sink: Sink, decoded: Decoded, key: str, info: storage.ObjectInfo, md5: str, imported: frozenset[int],
            pending: dict[str, _Pending], summary: Summary) -> list[asyncio.Future]:
    """Queue an object's events for the WAL; the futures are done once they are durable there."""
    for reason, count in decoded.skipped.items():
        summary.records_skipped[reason] += count
    for reason, message in decoded.example.items():
        summary.example.setdefault(reason, message)
    if not decoded.events:
        summary.objects_skipped[decoded.reason or "no_event"] += 1
        return []
    futures = [sink.submit(event) for event in decoded.events]
    summary.imported += 1
    for event in decoded.events:
        if event.kind == "request":
            summary.requests += 1
        else:
            summary.responses += 1
    pending[key] = _Pending(info, md5, {i: event.id for i, event in zip(decoded.indices, decoded.events, strict=True)},
                            set(imported))
    return futures


async def _acknowledged(sink: Sink, outstanding: list[asyncio.Future]) -> None:
    """Wait until every event submitted so far is durable in the WAL (raises SinkUnavailable)."""
    await asyncio.gather(*outstanding)
    sink.stats.accepted += len(outstanding)
    outstanding.clear()


def _checkpoint(sink: Sink, pending: dict[str, _Pending], ledger: _Ledger, skips: dict[str, dict[str, Any]],
                summary: Summary) -> None:
    """Record what is in Parquet (called after a flush): each object none of whose events still
    waits for its partner, and for an object some of whose events do, the numbers of its records
    that do not (a batch's records: ``logger.batchSize`` > 1); and the objects skipped for what
    they hold, once anything was ever imported from the source (a source nothing of which can be
    imported is an error that leaves the log as it was)."""
    waiting = sink.waiting_ids()
    entries: dict[str, dict[str, Any]] = {}
    if skips and (summary.imported or summary.already):
        entries.update(skips)
        skips.clear()
    for key, item in list(pending.items()):
        settled = [i for i, event_id in item.waiting.items() if event_id not in waiting]
        if not settled:
            continue
        for i in settled:
            del item.waiting[i]
        item.done.update(settled)
        entries[key] = _entry(item.info, item.md5)
        if item.waiting:
            entries[key]["records"] = sorted(item.done)
        else:
            del pending[key]
    if entries:
        ledger.add(entries)


__all__ = ["RECORDED_REASONS", "run_import", "decode_object", "record_event", "SkippedRecord", "ledger_name", "source_id", "list_source", "Summary", "Decoded",
           "OBJECT_REASONS", "RECORD_REASONS", "KSERVE_RELEASE", "MAX_OBJECT_BYTES", "CHECKPOINT_OBJECTS",
           "PROGRESS_OBJECTS", "JOIN_TTL_SECONDS"]
