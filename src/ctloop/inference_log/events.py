"""KServe payload-logger CloudEvents → rows. Pure functions, no I/O.

What KServe sends (``pkg/logger`` of the KServe agent sidecar, v0.20): each inference as two
binary-mode CloudEvents sharing ``ce-id``, a request (``ce-type``
``org.kubeflow.serving.inference.request``) and, for HTTP 200 only, a response
(``….inference.response``), with ``ce-specversion: 1.0``, ``ce-time`` (RFC 3339, UTC),
``ce-inferenceservicename``, ``ce-namespace``, ``ce-component`` (``predictor``, …),
``ce-endpoint`` (usually empty), ``ce-metadata`` and, when configured, ``ce-annotations``.

``ce-source`` is **not** the pod: the injector passes ``pod.ObjectMeta.Name`` as
``--source-uri``, which is empty at admission time for pods of a Deployment (their name is
generated later), and the agent then falls back to ``http://localhost:9081/`` — the value KServe's
own docs show. So ``ce-source`` usually cannot tell canary from stable traffic. The revision and
model version of a row are therefore decided like this (:func:`join`):

* ``model_version`` (string, ``""`` when unknown): the response body's ``model_version`` (the ctloop
  serving runtime puts it in v1 and v2 responses; v2 has the field by protocol), else the
  ``ctloop.dev/model-version`` entry of ``ce-annotations`` (see below), else ``""``;
* ``revision`` (always path-safe: lowercase letters, digits, ``-``, ``.``, ``_``): the Knative
  revision when ``ce-source`` is a pod name (``<isvc>-predictor-00002-deployment-<hash>-<hash>``
  → ``<isvc>-predictor-00002``; a custom ``--source-uri`` or an older KServe), else
  ``v<model_version>``, else ``unknown``.

``ce-annotations``: the InferenceService's ``logger.metadataAnnotations`` lists pod annotations
the agent copies into every event as a JSON object. With ``metadataAnnotations:
["ctloop.dev/model-version"]`` and that annotation on the predictor pods, even requests whose
response never arrives carry their model version.

``ce-metadata``: the request headers named in ``logger.metadataHeaders``, as a JSON object of
header → list of values. Each becomes a ``meta_<header>`` column (lowercase, ``-`` → ``_``; several
values comma-joined, and so are the values of several headers of one column: ``X-Order-Id`` and
``X_Order_Id``, in the order ``ce-metadata`` lists them), so a business key such as ``X-Order-Id`` lands as ``meta_x_order_id`` and
labels can be joined on it (``ctloop labels ingest --key meta_x_order_id``).

Payload shapes are validated when an event arrives (:func:`parse_event`, a few ``isinstance``
checks per tensor, nothing per value), so a body the join cannot turn into rows is refused with
400 ``bad_payload`` instead of reaching the write-ahead log.

Content modes (CloudEvents HTTP protocol binding 1.0.2, §3): **binary** (attributes in ``ce-*``
headers, the data as the body: what KServe's agent sends) and **structured** (``Content-Type:
application/cloudevents+json``, attributes and ``data`` or ``data_base64`` in one JSON object,
JSON event format §3). Binary-mode header values arrive as latin-1 text (what HTTP servers make
of header bytes): non-ASCII ones are read back as the UTF-8 they are (sdk-go sends them raw). What
else is done to them depends on the producer, because producers disagree about §3.1.3.2
(cloudevents/spec#1397):

* KServe's agent (cloudevents sdk-go, which neither percent-encodes nor quotes:
  cloudevents/sdk-go#1331) copies the client's ``Ce-Id`` and the ``logger.metadataHeaders``
  values as the client sent them, so a ``%`` in them is the client's own character (``order%2F17``,
  ``say %22hi%22``). An event carrying every extension attribute the agent always sets
  (:data:`KSERVE_AGENT_ATTRIBUTES`; ``ce-endpoint`` is sent even when empty) is stored byte for byte,
  but for a ``ce-metadata``, ``ce-annotations``, ``ce-time`` or ``ce-inferenceservicename`` that is
  valid only once percent-decoded (an agent whose sdk-go encodes, as §3.1.3.2 asks): that one is
  decoded once (:func:`agent_value`; before round 54 a 400, the pair lost).
* Any other binary-mode event is decoded as §3.1.3.2 says: a double-quoted value is unquoted,
  then one round of percent-decoding (``%22`` → ``"``; what the Python ``cloudevents`` SDK
  sends), and a decoded byte sequence that is not UTF-8 is refused.

Limits that keep one event from hurting the sink: a body nested deeper than :data:`MAX_DEPTH`
levels and a ``ce-time`` outside what a timestamp can hold are 400s with the reason, never 500s.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import encodings
import encodings.aliases
import functools
import json
import math
import pkgutil
import re
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote_to_bytes

import orjson

from ctloop.columns import PARSED_TIME
from ctloop.errors import InferenceLogError
from ctloop.inference_log import binary_tensors
from ctloop.inference_log.defaults import MAX_BODY_BYTES, MAX_HEAD_BYTES, ROW_VALUES, VALUES_DIVISOR
from ctloop.inference_log.layout import PARTITION_KEYS
from ctloop.inference_log.schema import ERROR, IDENTITY, WHOLE, json_text

REQUIRED = ("ce-id", "ce-type", "ce-source", "ce-inferenceservicename")
# the extension attributes KServe's agent sets on every event (v0.20.0 pkg/logger/worker.go:
# SetExtension of InferenceServiceAttr, NamespaceAttr, ComponentAttr, EndpointAttr, MetadataAttr,
# unconditionally; ce-recordedtime too, left out so hand-made KServe-style events count): an
# event with all of them came from the agent, whose sdk-go does not percent-encode
KSERVE_AGENT_ATTRIBUTES = ("ce-inferenceservicename", "ce-namespace", "ce-component", "ce-endpoint", "ce-metadata")
# Knative pod names: <revision>-deployment-<replicaset hash>-<pod hash>; KServe revisions are
# <isvc>-<component>[-default]-<5 digits>. Only DNS-label characters: the revision is a path part.
_REVISION = re.compile(
    r"^(?P<rev>[a-z0-9](?:[-a-z0-9]*?)-(?:predictor|transformer|explainer)(?:-default)?-\d{5})(?:-deployment-|$)")
# an InferenceService name, which names the partition directory model=<isvc> and the file
# _schema/model=<isvc>.json: at most 63 characters (KServe creates the Service <isvc>-predictor, a
# DNS-1035 label of at most 63: no real name is longer; a 253-character one made file names past
# NAME_MAX and failed every flush), and \Z, not $ (which also matches before a final newline)
_K8S_NAME = re.compile(r"^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?\Z")
_NOT_PATH_SAFE = re.compile(r"[^a-z0-9._-]+")
MODEL_VERSION_ANNOTATION = "ctloop.dev/model-version"
# identity columns of every row; a feature of the same name is stored as input_<name>
RESERVED = frozenset(IDENTITY)  # LOG_IDENTITY, _mistyped, _overflow
# JSON nesting a body may have (the object itself is level 1). Deeper bodies are refused: Python's
# parser would raise RecursionError (a 500) and nested feature values become JSON text at most
# 254 levels deep (orjson's serialiser limit).
MAX_DEPTH = 64
STRUCTURED = "application/cloudevents+json"
BATCHED = "application/cloudevents-batch"
# a gRPC call's Content-Type (application/grpc, +proto, +json, grpc-web…): KServe's agent logs its body
# as it passes (pkg/logger/handler.go, v0.20.0), length-prefixed protobuf frames ctloop cannot decode
GRPC = "application/grpc"

REASONS = ("missing_header", "bad_specversion", "unknown_type", "bad_json", "bad_payload", "bad_header", "oversize",
           "unsupported_media", "unauthorized", "too_many_values", "grpc", "not_inference")


class RejectedEvent(InferenceLogError, ValueError):
    """An event that cannot be accepted; ``status`` is the HTTP code to answer with.

    ``code`` is one of :data:`REASONS` — a fixed set, safe as a metrics label (the client's text
    only ever goes into ``reason``, the JSON answer).
    """

    def __init__(self, status: int, reason: str, code: str, event_id: str | None = None):
        super().__init__(reason)
        assert code in REASONS, code
        self.status = status
        self.reason = reason
        self.code = code
        self.event_id = event_id  # the ce-id when the refusal is logged too (binary tensor data)


class PayloadError(InferenceLogError, ValueError):
    """A body whose shape the join cannot turn into rows (the reason names the field)."""


class PairMismatch(PayloadError):
    """A response with more or fewer rows than its request: v1 ``predictions`` against the
    request's ``instances``, or a v2 output tensor whose first dimension differs from the
    request's rows. Which prediction belongs to which instance is unknown, so none is paired
    (the sink writes the request's rows without a response and quarantines the pair)."""


@dataclass
class Event:
    id: str
    kind: str  # request | response
    model: str
    namespace: str
    component: str
    revision: str  # Knative revision parsed from ce-source, "" when ce-source is not a pod name
    source: str
    time: str
    body: Any
    # the body as received (validated UTF-8 JSON, newlines folded): the WAL stores it verbatim
    # instead of serialising the parsed body again, the largest per-event cost after parsing
    raw: bytes | None = field(default=None, repr=False, compare=False)
    metadata: dict[str, str] | None = None
    model_version: str = ""  # response body's model_version, else the ce-annotations one, else ""
    # the WAL line's own id, given by the sink when it first commits the event and kept by a
    # flush's carry: two lines with one id are one event replayed twice, never two calls ("" in a
    # WAL written before it existed, or before the event reached a sink)
    wal_id: str = ""
    # whether ``time`` is KServe's agent's own stamp (a ``ce-time`` sent with every attribute of
    # :data:`KSERVE_AGENT_ATTRIBUTES`, binary mode): it stamps a call's request when it arrives and
    # its response after the model answered (v0.20.0 ``pkg/logger/handler.go``), so only two such
    # times order a request and its response. False for the sink's arrival time (no ``ce-time``:
    # optional in CloudEvents 1.0.2), another producer's time, and a WAL line written before the
    # field existed: every release's time may be the arrival time; the untagged round-55 commits
    # 02e12caf..03cca28c, which compared every time, wrote no flag either and read the same
    # (docs/inference-log.md, "A reused ce-id")
    stamped: bool = False
    # KServe's agent's ``ce-recordedtime`` (v0.20.0 ``pkg/logger/worker.go``: ``time.Now()`` as it
    # sends, nanoseconds) of a :attr:`stamped` event, else "": with the rest of the event it tells
    # one delivery sent twice (a mesh's retry) from two sends (``Sink`` keeps the first only)
    recorded: str = ""

    def to_wal(self) -> bytes:
        """One WAL line (without the newline): the attributes, then the body verbatim."""
        d = self.__dict__
        meta = orjson.dumps({k: d[k] for k in _META_FIELDS})
        body = self.raw if self.raw is not None else _dumps_body(self.body)
        return b"".join((meta[:-1], b',"body":', body, b"}"))  # one copy of the body, not three

    def to_json(self) -> str:
        return self.to_wal().decode()

    @classmethod
    def from_json(cls, line: str | bytes) -> Event:
        """A WAL line back into an event; tolerant of lines written by older versions (unknown
        keys dropped, the revision re-derived from the source so it is always path-safe)."""
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError:
            data = json.loads(line)  # NaN/Infinity in a body Python's parser accepted
        if not isinstance(data, dict):
            raise ValueError(f"WAL line is not a JSON object: {line[:80]!r}")
        known = {k: v for k, v in data.items() if k in _FIELDS}
        model = known.get("model")
        if not isinstance(model, str) or not _K8S_NAME.match(model):  # it names a partition directory
            raise ValueError(f"WAL line names no valid InferenceService: {model!r}")
        if not isinstance(known.get("time"), str | None):  # a str method of it would be an AttributeError
            raise ValueError(f"WAL line's time {str(known['time'])[:64]!r} is not text")
        known["time"] = _utc_time(known.get("time"))  # RejectedEvent is a ValueError
        known["stamped"] = known.get("stamped") is True  # absent (an older line): not known to be the agent's
        if not isinstance(known.get("recorded", ""), str):
            known["recorded"] = ""
        known["revision"] = revision_from_source(str(known.get("source") or ""))
        version = known.get("model_version")
        body = known.get("body")
        if not version and known.get("kind") == "response" and isinstance(body, dict):
            version = body.get("model_version")  # lines written before the field existed
        known["model_version"] = str(version) if isinstance(version, str | int | float) else ""
        if ((b"\\ud" in line or b"\\uD" in line) if isinstance(line, bytes) else ("\\ud" in line or "\\uD" in line)) \
                and not _encodable(body):  # an escaped emoji's pair is no lone surrogate: kept as is
            try:
                known["body"] = _scrub(body)  # a line written before bodies were scrubbed (parse_event)
            except RecursionError as exc:
                raise ValueError("WAL line's body is nested too deeply") from exc
        elif isinstance(line, bytes):
            known["raw"] = _wal_body(line, data)
        return cls(**known)


_FIELDS = frozenset(f.name for f in fields(Event)) - {"raw"}
_META_FIELDS = tuple(f.name for f in fields(Event) if f.name not in ("body", "raw"))


def _wal_body(line: bytes, data: dict[str, Any]) -> bytes | None:
    """The body's bytes in a WAL line as :meth:`Event.to_wal` writes it (the live event's
    :attr:`~Event.raw`, else its body serialised), so that a replayed event is what the live one
    was; None unless exact: the line must be the other keys (``data``, the line parsed) as orjson
    writes them, in their order, then ``"body"`` last. A line of another writer (an older version,
    spaced, the body elsewhere) gives None: its body is serialised again where bytes are needed."""
    if not line.endswith(b"}") or next(reversed(data), None) != "body":
        return None
    try:
        head = orjson.dumps({k: v for k, v in data.items() if k != "body"})
    except TypeError:  # NaN in an attribute: orjson writes null, no longer the line
        return None
    head = head[:-1] + b',"body":' if len(head) > 2 else b'{"body":'
    return line[len(head):-1] if line.startswith(head) else None


def _dumps_body(body: Any) -> bytes:
    try:
        return orjson.dumps(body)
    except TypeError:  # NaN/Infinity are fine for orjson (null); only odd objects end up here
        pass  # (and bodies deeper than orjson's 254 levels: structured data not yet depth-checked)
    try:
        return json.dumps(body, separators=(",", ":")).encode()
    except RecursionError as exc:  # before: a 500
        raise RejectedEvent(400, f"body is nested deeper than {MAX_DEPTH} levels", "bad_json") from exc


def _parse_json(body: bytes, charset: str | None = None) -> tuple[Any, bool]:
    """``(value, utf8)``: orjson for UTF-8 JSON; Python's parser for what orjson refuses but JSON
    clients send (``NaN``/``Infinity``, UTF-16/32, and bytes that are no UTF-8: :func:`_text`).
    Raises RejectedEvent (400) otherwise."""
    try:
        return orjson.loads(body), True
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):
            raise RejectedEvent(400, f"body is nested deeper than {MAX_DEPTH} levels", "bad_json") from exc
        first = exc
    try:
        value = json.loads(body)
    except RecursionError as exc:
        raise RejectedEvent(400, f"body is nested deeper than {MAX_DEPTH} levels", "bad_json") from exc
    except UnicodeDecodeError:
        # bytes that are no UTF-8 (nor UTF-16/32): what the client sent, forwarded as-is by the agent;
        # read in the declared charset, and if that text is no JSON (a wrong declaration) as UTF-8
        texts = [_text(body, charset)] if charset is not None else []
        texts.append(body.decode("utf-8", "replace"))
        for text in dict.fromkeys(texts):
            try:
                return json.loads(text), False
            except RecursionError as exc:
                raise RejectedEvent(400, f"body is nested deeper than {MAX_DEPTH} levels", "bad_json") from exc
            except json.JSONDecodeError:
                continue
        raise RejectedEvent(400, f"body is not JSON: {first}", "bad_json") from first
    except json.JSONDecodeError:
        raise RejectedEvent(400, f"body is not JSON: {first}", "bad_json") from first
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return value, False  # valid JSON in UTF-16/32: the WAL gets the parsed body re-serialised
    return value, True


def _text(body: bytes, charset: str | None) -> str:
    """A body that is no UTF-8 as text: decoded with the ``charset`` its ``Content-Type`` declares
    (``application/json; charset=iso-8859-1``: KServe's agent gives both events the model request's
    ``Content-Type``, ``pkg/logger/handler.go`` v0.20.0) when Python knows it and it decodes the
    bytes, else as UTF-8 with each invalid byte replaced by U+FFFD, as Go's ``encoding/json``
    reads such a body (a Go model server answers it; KServe's agent forwards the bytes as-is).
    Before round 44 such a body was a 400 and, the agent never retrying, the event was lost.
    Only text charsets are honoured (:func:`_text_codec`): a declared ``unicode_escape`` would
    rewrite values, ``undefined`` or a name with a NUL in it would raise. A ``latin1`` or ``ascii``
    label (:data:`WINDOWS_1252_LABELS`) is read as windows-1252, as the WHATWG Encoding Standard
    says (:func:`windows_1252`), and so is any label Python spells its own way for the same codecs
    (``latin-1``, ``iso8859_1``, ``8859``, ``646``, ``windows_1252``…: :data:`_WINDOWS_1252_CODECS`)."""
    if charset is not None and charset.strip().lower() in WINDOWS_1252_LABELS:
        return windows_1252(body)
    codec = _text_codec(charset)
    if codec in _WINDOWS_1252_CODECS:
        return windows_1252(body)
    if codec is not None:
        try:
            return body.decode(codec)
        except ValueError:  # UnicodeDecodeError, and the UnicodeError of a codec that refuses input
            pass
    return body.decode("utf-8", "replace")


# The labels the WHATWG Encoding Standard (encodings.json, "Legacy single-byte encodings") gives
# windows-1252: what browsers and Go's golang.org/x/net/html/charset read them as. A true ISO-8859-1
# encoder (Python's http.client for a str body, Java's ISO_8859_1) writes 0x80-0x9F only for C1
# control characters, which no text holds; a windows-1252 one labelled latin1 writes them for
# "€", "–", "™"…: read as ISO-8859-1 those were stored as control characters (before round 45)
WINDOWS_1252_LABELS = frozenset({
    "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100",
    "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252",
    "x-cp1252",
})
# The Python codecs (``codecs.lookup(label).name``) of those labels: Python's own spellings of them
# (``latin-1``, ``latin_1``, ``iso8859_1``, ``8859``, ``646``, ``us``, ``windows_1252``…) read the same
_WINDOWS_1252_CODECS = frozenset({"iso8859-1", "ascii", "cp1252"})
# windows-1252 as one ``codecs.charmap_decode`` table: Python's cp1252 for the 251 bytes it defines;
# the five it leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay U+0081… as WHATWG maps them. (A
# ``str.translate`` of the latin-1 text looked every character up in a dict: 10x-140x slower, 5.4 s
# for a 10 MB body on the sink's event loop, before the fix of round 45's review.)
_WINDOWS_1252_TABLE = "".join(bytes([b]).decode("cp1252") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
                              else chr(b) for b in range(256))


def windows_1252(body: bytes) -> str:
    """``body`` decoded as the WHATWG Encoding Standard's windows-1252 (every byte a character)."""
    return codecs.charmap_decode(body, "strict", _WINDOWS_1252_TABLE)[0]


# Python codecs that decode text but are no charset of a text body: escape sequences turned into
# characters (values rewritten), and one that always raises. (UTF-7 and the host-name codecs idna and
# punycode need no entry: only a body with a byte over 0x7f gets here, and they refuse such bytes.)
_NOT_CHARSETS = frozenset({"unicode-escape", "raw-unicode-escape", "undefined"})


# RFC 2978's mime-charset characters (and the dot of registered names like ANSI_X3.4-1968), at
# most 40 of them (the longest codec name Python 3.11 ships, unicodelittleunmarked, has 21)
_CHARSET_NAME = re.compile(r"[A-Za-z0-9!#$%&'+^_`{}~.-]{1,40}")


@functools.cache
def _codec_names() -> frozenset[str]:
    """The codec names Python ships: its alias table and the modules of its ``encodings`` package."""
    modules = {module.name for module in pkgutil.iter_modules(encodings.__path__)}
    return frozenset(encodings.aliases.aliases) | modules


def _known_codec(charset: str) -> bool:
    """Whether ``codecs.lookup`` would find ``charset`` through Python's own ``encodings`` search
    (the names it tries, as ``encodings.search_function`` forms them). ``codecs.lookup`` keeps
    every name it is asked about, found or not, in ``encodings._cache`` for the life of the
    process, and whoever calls the model picks the ``Content-Type``: asking only about names that
    exist keeps that cache bounded (unique names grew the sink 90 -> 183 MB in 3,000 requests)."""
    name = encodings.normalize_encoding(charset.lower())
    return name in _codec_names() or name.replace(".", "_") in _codec_names()


def _text_codec(charset: str | None) -> str | None:
    """The Python codec of a declared ``charset`` if it is a text charset (``iso-8859-1``,
    ``cp1252``, ``utf-16``, ``shift_jis``…), else None: names Python does not know, byte-to-byte
    codecs (``base64``, ``rot13``, ``zlib``…) and :data:`_NOT_CHARSETS`."""
    if not charset or not _CHARSET_NAME.fullmatch(charset) or not _known_codec(charset):
        return None  # before codecs.lookup, which keeps every name it is asked about (see below)
    try:
        info = codecs.lookup(charset)
    except (LookupError, ValueError):  # unknown; ValueError: a NUL in the name
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def charset_of(content_type: str) -> str | None:
    """The ``charset`` parameter of a (lower-case) ``Content-Type``, unquoted; None without one."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip() == "charset":
            return value.strip().strip('"') or None
    return None


def _parse_binary_mode(body: bytes, event_id: str | None,
                       charset: str | None = None) -> tuple[Any, bool, bytes | None]:
    """``(value, utf8, tail)``: a binary-mode body as :func:`_parse_json` parses it; ``tail`` is
    None for a body that is JSON and nothing else, else the bytes that follow its JSON header
    (the Open Inference Protocol's binary tensor data, :mod:`~ctloop.inference_log.binary_tensors`;
    ``b""`` for a JSON body whose tensors say ``binary_data_size``)."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):
            return (*_parse_json(body, charset), None)
        try:  # a JSON object followed by bytes (orjson: "unexpected content", or "not valid UTF-8")?
            found = binary_tensors.split(body)
        except binary_tensors.BinaryTensorError as err:
            raise RejectedEvent(400, str(err), "bad_json", event_id=event_id or "(no ce-id)") from err
        if found is None or not found[1]:
            return (*_parse_json(body, charset), None)  # not JSON, or JSON Python's parser may take (NaN, UTF-16)
        return found[0], True, found[1]
    # rare: a JSON body whose tensors all have binary_data_size 0 (nothing after the JSON)
    return value, True, (b"" if b'"binary_data_size"' in body else None)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of lists/objects, counting stops once ``limit`` is passed."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, list | dict))
    return deepest


def check_depth(body: bytes, payload: Any) -> None:
    """400 for a body nested deeper than :data:`MAX_DEPTH`. Free for ordinary bodies: a body
    with fewer brackets than the limit cannot be that deep, so only large bodies are walked."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return
    if _depth(payload, MAX_DEPTH) > MAX_DEPTH:
        raise RejectedEvent(400, f"body is nested deeper than {MAX_DEPTH} levels", "bad_json")


def decode_header(name: str, value: str) -> str:
    """A binary-mode attribute value as CloudEvents HTTP binding 1.0.2 §3.1.3.2 decodes it: a
    double-quoted value unquoted (backslash escapes), then one round of percent-decoding; a
    decoded byte sequence that is not UTF-8 is refused. Values without ``%`` or quotes are
    returned as they are. Not for events of KServe's agent, which does not encode
    (:func:`from_kserve_agent`)."""
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        value = re.sub(r"\\(.)", r"\1", value[1:-1])
    if "%" not in value:
        return value
    try:
        # header values arrive as latin-1 text (ASCII on the wire); '%zz' is left as it is
        return unquote_to_bytes(value).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RejectedEvent(400, f"{name} is percent-encoded but not UTF-8 once decoded: {value[:64]!r}",
                            "bad_header") from exc


def _json_object_or_absent(value: str) -> bool:
    """Whether :func:`_json_object_header` takes ``value`` (a JSON object, ``null`` or nothing)."""
    try:
        parsed = json.loads(value) if value else None
    except (json.JSONDecodeError, RecursionError):
        return False
    return parsed is None or isinstance(parsed, dict)


def _rfc3339(value: str) -> bool:
    """Whether :func:`_utc_time` takes ``value``."""
    try:
        _utc_time(value)
    except RejectedEvent:
        return False
    return True


# The attributes of KServe's agent whose syntax tells a value as sdk-go sends it today (unencoded)
# from the same value percent-encoded (CloudEvents HTTP binding 1.0.2 §3.1.3.2, which
# cloudevents/sdk-go#1331 asks sdk-go to follow): an encoded JSON object has its quotes as %22, an
# encoded time its colons as %3A when an encoder escapes more than it must. The others (ce-id,
# ce-source, ce-namespace, ce-component, ce-endpoint) are any text: kept as sent, the same in both
# events of a pair, so the pair still joins.
_AGENT_SYNTAX = {"ce-metadata": _json_object_or_absent, "ce-annotations": _json_object_or_absent,
                 "ce-time": _rfc3339, "ce-inferenceservicename": lambda value: bool(_K8S_NAME.match(value))}


def agent_value(name: str, value: str) -> str:
    """An attribute of KServe's agent (:func:`from_kserve_agent`) as sent when it is valid so
    (``{"X-Ref":["100%"]}``: sdk-go v2.16 does not encode), else after one round of
    percent-decoding when that makes it valid (``{%22X-Ref%22:[%22100%25%22]}``: a producer that
    encodes as §3.1.3.2 says); else as sent, for its own refusal. Only :data:`_AGENT_SYNTAX`'s
    attributes are looked at: whether any other text was encoded cannot be told."""
    valid = _AGENT_SYNTAX.get(name)
    if valid is None or "%" not in value or valid(value):
        return value
    try:
        decoded = unquote_to_bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        return value
    return decoded if valid(decoded) else value


def from_kserve_agent(headers: dict[str, str]) -> bool:
    """Whether a binary-mode event (lowercase header names) carries every extension attribute
    KServe's agent always sets: then cloudevents sdk-go wrote it, without percent-encoding."""
    return all(name in headers for name in KSERVE_AGENT_ATTRIBUTES)


def _utf8(value: str) -> str:
    """A header value HTTP servers gave as latin-1 text, as the UTF-8 its bytes are (what
    sdk-go sends unencoded: a ``ce-metadata`` with ``Müller``); kept as it came when its bytes
    are not UTF-8 (obs-text)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _json_object_header(name: str, value: str | None, shape: str) -> dict | None:
    """A header holding a JSON object (None when absent, empty or ``null``); 400 otherwise."""
    if not value:
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise RejectedEvent(400, f"{name} is not JSON: {exc}", "bad_header") from exc
    except RecursionError as exc:  # before: a 500 with a traceback
        raise RejectedEvent(400, f"{name} is nested too deeply to be read as JSON", "bad_header") from exc
    if parsed is not None and not isinstance(parsed, dict):
        raise RejectedEvent(400, f"{name} must be a JSON object of {shape}", "bad_header")
    return parsed


def metadata_column(name: str) -> str:
    """The log column of the ``ce-metadata`` header ``name``: ``X-Order-Id`` → ``meta_x_order_id``."""
    return "meta_" + _NOT_ALNUM.sub("_", str(name).lower()).strip("_")


def metadata_columns(value: str | None) -> dict[str, str] | None:
    """``ce-metadata`` → ``{"meta_x_order_id": "A-17", ...}`` (None when absent or empty). One rule
    (docs/inference-log.md, "Business keys"): each header's values as it sent them, repeats kept
    (``["2","2"]`` → ``2,2``), comma-joined; a later header making the same column adds its values,
    as sent, less those an earlier header gave (``["1"]`` + ``["2","2"]`` → ``1,2,2``,
    ``["2"]`` + ``["2"]`` → ``2``)."""
    parsed = _json_object_header("ce-metadata", value, "header name -> values")
    if parsed is None:
        return None
    out: dict[str, str | None] = {}
    given: dict[str, list[str]] = {}  # column -> its values so far
    for name, values in parsed.items():
        column = metadata_column(name)
        if values is None:
            out.setdefault(column, None)
            continue
        values = [str(v) for v in values] if isinstance(values, list) else [str(values)]
        so_far = given.get(column)
        if so_far is None:  # the first header of the column: its values as sent
            given[column] = values
        else:  # X-Order-Id and X_Order_Id: one column, both headers' values, as the values of one
            # header are joined; a value an earlier header gave is not repeated (the same 42 sent
            # under both stays 42, the exact key a labels join matches)
            seen = set(so_far)
            so_far.extend(v for v in values if v not in seen)
        out[column] = ",".join(given[column])
    return out or None


def annotated_model_version(value: str | None) -> str:
    """``ce-annotations`` (``logger.metadataAnnotations``) → the ``ctloop.dev/model-version`` one."""
    parsed = _json_object_header("ce-annotations", value, "annotation -> value")
    if parsed is None:
        return ""
    version = parsed.get(MODEL_VERSION_ANNOTATION)
    return "" if version is None else str(version)


def revision_from_source(source: str) -> str:
    """The Knative revision when ``ce-source`` is a KServe pod name, else ``""``.

    ``credit-predictor-00002-deployment-5d8c9f7b4-x2x7q`` → ``credit-predictor-00002``;
    ``http://localhost:9081/`` (what KServe actually sends by default) → ``""``.
    """
    m = _REVISION.match(source or "")
    # a Knative revision name is a DNS label: a longer match is no revision, and would name a
    # partition directory past NAME_MAX (every flush failed)
    return m.group("rev") if m and len(m.group("rev")) <= 63 else ""


def path_safe(value: str, limit: int = 63) -> str:
    """Lowercase letters, digits, ``.``, ``_`` and ``-`` only (never ``/``, ``:``, ``=`` or ``..``)."""
    safe = _NOT_PATH_SAFE.sub("_", value.lower()).strip("._")[:limit]
    return safe.replace("..", "_")


def row_revision(revision: str, model_version: str) -> str:
    """The ``revision`` column: Knative revision, else ``v<model_version>``, else ``unknown``."""
    if revision:
        return revision
    if model_version:
        return "v" + (path_safe(model_version) or "_")
    return "unknown"


def _utc_time(value: str | None) -> str:
    """``ce-time`` (CloudEvents 1.0.2: an RFC 3339 timestamp) in one form, whatever form it was sent
    in: UTC, ``Z``, the fraction cut to nanoseconds with its trailing zeros dropped — Go's
    ``time.RFC3339Nano`` of UTC, the form in which KServe's agent sends it (``worker.go``
    ``event.SetTime``, written by cloudevents sdk-go), so its ``2026-11-22T10:31:02.417396123Z`` is
    stored as sent. The same instant is always the same text, and one ISO parse reads every stored
    time back at full precision (an offset's time kept only its microseconds before round 55).

    What is taken is RFC 3339 §5.6's ``date-time`` (``T``, ``t`` or a space between date and time,
    §5.6's note; ``Z`` or ``z``), plus a time without an offset, read as UTC (the sink's rule since
    it first took ``ce-time``). Anything else Python's ISO 8601 parser would take (a date alone,
    no seconds, basic format, week dates, a comma fraction, ``+0100``, ``+01``, seconds in the
    offset) and an offset outside ``-23:59``…``+23:59`` (``+00:60`` or ``+24:00``: §5.6's
    ``time-numoffset`` is ``time-hour`` 00-23 and ``time-minute`` 00-59; Python read ``+00:60`` as
    one hour) is a 400 naming ``ce-time`` and the value, as is a time that leaves the years
    1-9999 once in UTC.

    A fraction of more than nine digits (RFC 3339 sets no limit) is **truncated** to nanoseconds,
    never rounded: rounding could carry ``23:59:59.9999999999Z`` into the next day's partition and
    window (and past a leap second's ``23:59:59.999999999Z``), truncating keeps every time in its
    own second and the order of any two times (at most making them equal), and it is what the
    readers' parsers (pandas 2.3, Go's ``time.Parse``) do with such a fraction anyway.

    A leap second (``23:59:60``, RFC 3339's time-second 60) is taken only where its minute is 23:59
    in UTC (§5.7; §5.6's note: a local leap second is UTC's 23:59:60), with an offset or without one
    (then UTC, as any time without an offset; a 400 before round 55), and stored as its minute's
    last nanosecond (``23:59:59.999999999Z``): after every time of that minute and on its day. A
    second 60 at any other minute, or a second over 60, is a 400."""
    if not value:
        return _rfc3339_nano(datetime.now(UTC), None)
    sent = value
    found = _RFC3339.match(value.upper()) if value.isascii() else None
    if found is None or (found["offset"] not in (None, "Z") and (int(found["oh"]) > 23 or int(found["om"]) > 59)):
        raise RejectedEvent(400, f"ce-time {sent[:64]!r} is not an RFC 3339 timestamp", "bad_header")
    second = int(found["second"])
    try:
        local = datetime(int(found["year"]), int(found["month"]), int(found["day"]), int(found["hour"]),
                         int(found["minute"]), min(second, 59))
        if second > 60:
            raise ValueError(sent)
    except ValueError as exc:  # no such day or time (2026-02-30, 24:00:00, 10:61, second 61)
        raise RejectedEvent(400, f"ce-time {sent[:64]!r} is not an RFC 3339 timestamp", "bad_header") from exc
    offset = found["offset"]
    shift = 0 if offset in (None, "Z") else (int(found["oh"]) * 60 + int(found["om"])) * (1 if offset[0] == "+" else -1)
    try:
        utc = local - timedelta(minutes=shift)
    except OverflowError as exc:
        raise RejectedEvent(400, f"ce-time {sent[:64]!r} is out of range once converted to UTC",
                            "bad_header") from exc
    if second == 60:  # a leap second: only at 23:59 in UTC; its minute's last nanosecond
        if (utc.hour, utc.minute) != (23, 59):
            raise RejectedEvent(400, f"ce-time {sent[:64]!r} is not an RFC 3339 timestamp", "bad_header")
        return _rfc3339_nano(utc, "999999999")
    return _rfc3339_nano(utc, found["fraction"])


def time_order(stored: str) -> str | None:
    """A key that orders event times as the instants they are (the stored text does not:
    ``…:02Z`` sorts after ``…:02.5Z``): :func:`_utc_time`'s form with the fraction written out to
    nine digits; None for a time it refuses. An event's own time is in that form already (the
    join calls this for every pair: no parse then)."""
    if not (stored and stored[-1] == "Z" and stored[10:11] == "T" and stored[19:20] in (".", "Z")):
        try:
            stored = _utc_time(stored or "-")
        except RejectedEvent:
            return None
    whole, _, fraction = stored[:-1].partition(".")
    return f"{whole}.{fraction:0<9}"


def _unix_seconds(stored: str) -> float | None:
    """A time the sink stores or a ``ce-recordedtime`` as Unix seconds (None when unreadable)."""
    key = time_order(stored)
    if key is None:
        return None
    whole, _, fraction = key.partition(".")
    return datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp() + int(fraction) / 1e9


def clock_offset(event: Event, received: float) -> float | None:
    """How many seconds ahead of the sink's clock (``received``: the arrival, Unix seconds) the
    clock that stamped ``event`` was, where the event shows it; negative: behind. KServe's agent
    sends ``ce-recordedtime``, its clock as it sends (v0.20.0 ``pkg/logger/worker.go``:
    ``event.SetExtension(RecordedTimeAttr, time.Now())``, one send, no retry): against the arrival
    it is off by the network's milliseconds plus the clocks' difference. Without it (another
    producer, :attr:`Event.recorded` empty) only a ``ce-time`` after the arrival shows a clock
    ahead (an earlier one may be a batch sent late): that offset, else None."""
    if event.recorded:
        sent = _unix_seconds(event.recorded)
        return None if sent is None else sent - received
    stamped = _unix_seconds(event.time)
    if stamped is None or stamped <= received:
        return None
    return stamped - received


# RFC 3339 §5.6 date-time, upper-cased (§5.6 allows ``t`` and ``z``; a space for ``T`` per its note);
# ASCII digits only, the offset optional (absent: UTC); ranges are checked by the code
_RFC3339 = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[T ](?P<hour>[0-9]{2}):"
                      r"(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?"
                      r"(?P<offset>Z|[+-](?P<oh>[0-9]{2}):(?P<om>[0-9]{2}))?\Z")


def _rfc3339_nano(utc: datetime, fraction: str | None) -> str:
    """``utc`` (its microseconds ignored when ``fraction``, the digits after the point, is given)
    as Go's ``time.RFC3339Nano`` writes a UTC time: the fraction cut to nine digits, trailing
    zeros and a bare point dropped, ``Z``."""
    if fraction is None:
        fraction = f"{utc.microsecond:06d}"
    fraction = fraction[:9].rstrip("0")
    return (f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
            f"{'.' + fraction if fraction else ''}Z")


# ------------------------------------------------------------------ payload shapes
def _tensor_width(t: Any, where: str) -> tuple[int, int, bool]:
    """Validate one v2 tensor; returns (rows, columns, nested). Shape [] (rank 0): one row of its
    one value (before round 45 an ``IndexError``: a 500, the event lost). Shape [N] or [N, k]: data flat
    row-major (N*k values) or nested (N lists of k values). Shape [N, d1, d2, …] (rank 3 or more,
    an image model's input): N rows of k = d1*d2*… values, data flat or nested as the shape says,
    each row flattened row-major (nested is False: :func:`_row_values` gives the flat data)."""
    if not isinstance(t, dict):
        raise PayloadError(f"{where} must be an object with name, shape, datatype, data; got {type(t).__name__}")
    data = t.get("data")
    if not isinstance(data, list):
        raise PayloadError(f"{where}.data must be a list; got {type(data).__name__}")
    shape = t.get("shape")
    nested = bool(data) and isinstance(data[0], list)
    if shape is None:  # not allowed by the protocol, but unambiguous
        shape = [len(data), len(data[0])] if nested else [len(data)]
    if not (isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)):
        raise PayloadError(f"{where}.shape must be a list of non-negative integers; got {shape!r}")
    if not shape:  # rank 0, one value: KServe's answer for a predict() returning a 0-d ndarray
        if nested or len(data) != 1:  # (predict(x).squeeze(); v0.20.0 utils.get_predict_response: shape=list(result.shape))
            held = "nested data" if nested else f"{len(data)} values"
            raise PayloadError(f"{_named(where, t)} has shape [] (one value) but {held}")
        return 1, 1, False
    if len(shape) == 1:
        n, k = shape[0], 1
        if nested:
            raise PayloadError(f"{_named(where, t)} has shape {shape} but nested data: use shape [N, k]")
    elif len(shape) == 2:
        n, k = shape
    else:  # [N, d1, d2, …] (an image): N rows of d1*d2*… values, flattened row-major (_row_values)
        n, k = shape[0], math.prod(shape[1:])
        if _nesting(data, shape) is None:
            raise PayloadError(f"{_named(where, t)} has shape {shape} but its data does not fit it "
                               f"(expected {n * k} values, flat or nested as the shape says)")
        return n, k, False
    if nested:
        if len(data) != n or not all(isinstance(row, list) and len(row) == k for row in data) or not _values(data):
            raise PayloadError(f"{_named(where, t)} has shape {shape} but its nested data is not {n} rows of {k} values")
    elif len(data) != n * k:
        raise PayloadError(f"{_named(where, t)} has shape {shape} but {len(data)} values (expected {n * k})")
    return n, k, nested


def _nesting(data: list[Any], shape: list[int]) -> str | None:
    """How a rank-3+ tensor's ``data`` is laid out: ``"flat"`` (prod(shape) values), ``"shape"``
    (nested as ``shape`` says), ``"rows"`` (N lists of the other dimensions' product of values, the
    [N, k] nesting); None when it fits none. Checks the length of every list above the values, as
    the [N, k] check does its rows, and that the first item of each innermost list is no list (data
    nested deeper than its layout), never another value: a [1, 1000, 1000] tensor costs 2,001 checks."""
    if not data or not isinstance(data[0], list):
        return "flat" if len(data) == math.prod(shape) else None
    level = [data]
    for depth, size in enumerate(shape):
        if not all(isinstance(v, list) and len(v) == size for v in level):
            break
        if depth == len(shape) - 1:
            return "shape" if _values(level) else None
        level = [v for lst in level for v in lst]
    k = math.prod(shape[1:])
    if len(data) == shape[0] and all(isinstance(r, list) and len(r) == k for r in data):
        return "rows" if _values(data) else None
    return None


def _values(lists: list[list[Any]]) -> bool:
    """Whether ``lists`` (a tensor's innermost lists) hold values, not lists nested deeper, as far as
    each one's first item tells: one check per list, none per value (``type``, not ``isinstance``:
    a parsed body's lists are plain lists, and ``type`` reads nothing of the value)."""
    return not any(lst and type(lst[0]) is list for lst in lists)


def _flat_rows(data: list[Any], shape: list[int]) -> list[Any] | None:
    """Data nested as ``shape`` says, flat, or as N rows of the other dimensions' product of values
    (:func:`_nesting`): row-major and flat; None when it does not fit."""
    nesting = _nesting(data, shape)
    if nesting is None or nesting == "flat":
        return data if nesting else None
    for _ in range(len(shape) - 1 if nesting == "shape" else 1):
        data = [v for lst in data for v in lst]
    return data


def _row_values(t: dict[str, Any]) -> list[Any]:
    """A tensor's data flat and row-major: a rank-3+ tensor's nested data flattened (its shape
    checked by :func:`_tensor_width`); any other tensor's data as it is."""
    shape = t.get("shape")
    if isinstance(shape, list) and len(shape) > 2:
        return _flat_rows(t["data"], shape) or []
    return t["data"]


def _named(where: str, t: dict[str, Any]) -> str:
    """``'inputs'[0]`` with the tensor's name, when it has one: ``'inputs'[0] 'x'``."""
    name = t.get("name")
    return f"{where} {str(name)[:64]!r}" if name is not None else where


def _check_tensors(tensors: Any, key: str) -> None:
    if not isinstance(tensors, list):
        raise PayloadError(f"'{key}' must be a list of v2 tensors; got {type(tensors).__name__}")
    names = set()
    for i, t in enumerate(tensors):
        _tensor_width(t, f"'{key}'[{i}]")
        name = str(t.get("name", "value"))  # the column it becomes (_columns_from_tensors)
        if name in names:  # its values would replace the earlier tensor's in the row
            raise PayloadError(f"'{key}'[{i}] has the name {name!r} of an earlier tensor: give each tensor its own name")
        names.add(name)
        # a [N, k] tensor's <name>_<j> that another tensor is called is kept as <name>[<j>]
        # (_columns_from_tensors): a legal body, and KServe's agent does not retry a 400


_TENSOR_KEYS = frozenset(("shape", "datatype", "data"))
_TENSOR_FIELDS = frozenset(("name", "shape", "datatype", "parameters", "data"))  # all a v2 tensor may have


def _tensor_like(x: Any) -> bool:
    """An object that can only be a v2 tensor: it has ``shape``, ``datatype`` or ``data`` and no
    key a tensor does not have (``kserve/protocol/rest/v2_datamodels.py`` ``RequestInput``:
    name, shape, datatype, parameters, data). A v1 instance with a feature of one of those names
    has other features too (``{"shape": 3, "color": 1}``), so it stays an instance."""
    return isinstance(x, dict) and not _TENSOR_KEYS.isdisjoint(x) and _TENSOR_FIELDS.issuperset(x)


def v1_inputs(body: dict[str, Any]) -> bool:
    """Whether a request's ``inputs`` are v1 instances, not v2 tensors: KServe's v1 endpoint takes
    ``inputs`` for ``instances`` (and before them: ``get_predict_input``,
    ``python/kserve/kserve/utils/utils.py`` at v0.20.0), so ``{"inputs": [[1, 2]]}`` is served and
    logged. A non-empty list in which nothing looks like a tensor (:func:`_tensor_like`) is read
    as instances, as is TensorFlow Serving's columnar value (:func:`columnar`)."""
    inputs = body.get("inputs")
    if isinstance(inputs, list):
        return bool(inputs) and not any(_tensor_like(x) for x in inputs)
    return columnar(inputs)


def columnar(value: Any) -> bool:
    """Whether ``value`` (a request's ``inputs``, a response's ``outputs``) is TensorFlow Serving's
    columnar ``<value>`` or ``<object>`` (``tensorflow_serving/g3doc/api_rest.md``, "Specifying input
    tensors in column format", "Response format"): a scalar, or a non-empty object of named
    tensors that is no v2 tensor (:func:`_tensor_like`). Its rows: :func:`_v1_rows`."""
    if isinstance(value, dict):
        return bool(value) and not _tensor_like(value)
    return isinstance(value, str | int | float)  # bool included


def named_columns(value: Any) -> list[dict[str, Any]] | None:
    """TensorFlow Serving's columnar object ``{name: tensor}`` (a request's ``inputs``, a response's
    ``outputs`` when the model has several: ``tensorflow_serving/g3doc/api_rest.md``) as one object
    a row, ``{name: value}``, along the 0-th dimension the tensors share; None for anything else
    (their 0-th dimensions differ, or one is a scalar: :func:`_v1_rows` makes that one row)."""
    if not isinstance(value, dict) or not value or not all(isinstance(v, list) for v in value.values()):
        return None
    sizes = {len(v) for v in value.values()}
    if len(sizes) != 1:
        return None
    return [{name: tensor[i] for name, tensor in value.items()} for i in range(sizes.pop())]


def _v1_rows(value: Any) -> Any:
    """v1 rows as a list: a list as it is; TensorFlow Serving's columnar object as its rows along
    the 0-th dimension its tensors share (:func:`named_columns`: read as the batch dimension, which
    the body cannot confirm), or as one row, each tensor whole, when they share none (the format
    lets named inputs differ: "need not share the same 0-th dimension"); a scalar as one row."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return named_columns(value) or [value]
    return [value] if columnar(value) else value


def v1_outputs(body: dict[str, Any]) -> bool:
    """Whether a response's ``outputs`` are v1 predictions, not v2 tensors: TensorFlow Serving
    (KServe's ``kserve-tensorflow-serving`` runtime) answers a columnar request (``{"inputs": [[1,
    2]]}``, read as instances by :func:`v1_inputs`) with ``{"outputs": <value>|<(nested)list>|<object>}``,
    "a list of scalar or list values" when the model has one output (``tensorflow_serving/g3doc/api_rest.md``, "Response
    format"). A non-empty list in which nothing looks like a tensor, a scalar, or the object of
    several named outputs (:func:`columnar`), without ``predictions``."""
    if "predictions" in body:
        return False
    outputs = body.get("outputs")
    if isinstance(outputs, list):
        return bool(outputs) and not any(_tensor_like(x) for x in outputs)
    return columnar(outputs)


def _predictions(body: dict[str, Any]) -> Any:
    """A response's v1 predictions (``predictions``, or TF Serving's :func:`v1_outputs`), else None."""
    if "predictions" in body:
        return body["predictions"]
    return _v1_rows(body["outputs"]) if v1_outputs(body) else None


def _whole(value: Any, name: str, prefix: str = "") -> dict[str, Any]:
    """TensorFlow Serving's columnar ``inputs`` or ``outputs`` as one row: each named tensor a
    column holding its whole value, an unnamed one the column ``name``."""
    if isinstance(value, dict):
        return {f"{prefix}{k}": v for k, v in value.items()}
    return {name: value}


_CLOUDEVENT_KEYS = ("time", "type", "source", "id", "specversion", "data")


def inference_body(payload: dict[str, Any]) -> Any:
    """What KServe's model server reads from a body: a structured CloudEvent's ``data`` (a JSON
    object with ``time``, ``type``, ``source``, ``id``, ``specversion`` and ``data``:
    ``is_structured_cloudevent`` in ``python/kserve/kserve/utils/utils.py``, ``decode_cloudevent`` in
    ``protocol/dataplane.py``, v0.20.0), which it also answers with when asked in
    ``application/cloudevents+json``; any other body as it is."""
    if all(key in payload for key in _CLOUDEVENT_KEYS) and isinstance(payload["data"], dict):
        return payload["data"]
    return payload


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _metadata_tensors(value: Any) -> bool:
    """A list of ``MetadataTensor`` (v0.20.0 ``v2_datamodels.py``): exactly ``name``, ``datatype``
    (str) and ``shape`` (list of int)."""
    return isinstance(value, list) and all(
        isinstance(t, dict) and len(t) == 3 and isinstance(t.get("name"), str) and isinstance(t.get("datatype"), str)
        and isinstance(t.get("shape"), list) and all(type(n) is int for n in t["shape"]) for t in value)


def kserve_get_answer(body: dict[str, Any]) -> str | None:
    """The route of KServe's model server, a GET or the model repository extension's POST, that
    answers 200 with ``body``, else None: a response event of a call that is no inference. KServe's
    agent logs every call through the predictor but kubelet probes (v0.20.0
    ``pkg/logger/handler.go``), and a response only when 200: a client's health or metadata GET,
    or a ``POST /v2/repository/models/<name>/load|unload`` without a body, is an empty request
    event and a response event holding one of these answers (v0.20.0
    ``python/kserve/kserve/protocol/rest/server.py``, ``v1_endpoints.py``, ``v2_endpoints.py``,
    ``v2_datamodels.py``, ``protocol/dataplane.py``, ``model_server.py`` registers the repository
    extension; the ctloop-sklearn runtime is a ``kserve.ModelServer``, the same routes). Exact keys,
    value types and values: live, ready, load and unload are answered 200 only when ``true``
    (``ServerNotLive``, ``ServerNotReady``, ``ModelNotReady`` otherwise), a server's model list
    holds strings (none once the repository extension unloaded the last model), so ``{"ready": false}``,
    a v1 ``predictions`` body or a v2 inference response (its ``outputs`` carry ``data``) is never one."""
    size = len(body)
    if size == 1:
        if body.get("status") == "alive":  # GET /  (DataPlane.live)
            return "GET /"
        if body.get("live") is True:  # ServerLiveResponse
            return "GET /v2/health/live"
        if body.get("ready") is True:  # ServerReadyResponse
            return "GET /v2/health/ready"
        models = body.get("models")  # V1Endpoints.models, ListModelsResponse ([] once the last model is unloaded)
        if _strings(models):
            return "GET /v1/models or /v2/models"
        return None
    name = body.get("name")
    if not isinstance(name, str):
        return None
    if size == 2:
        if body.get("ready") is True:  # V1Endpoints.model_ready, ModelReadyResponse
            return f"GET /v1/models/{name[:64]} or /v2/models/{name[:64]}/ready"
        for action in ("load", "unload"):  # V2Endpoints.load, unload
            if body.get(action) is True:
                return f"POST /v2/repository/models/{name[:64]}/{action}"
        return None
    if size == 3 and isinstance(body.get("version"), str) and _strings(body.get("extensions")):
        return "GET /v2"  # ServerMetadataResponse
    versions = body.get("versions")
    if (size - ("versions" in body) == 4 and isinstance(body.get("platform"), str)
            and (versions is None or _strings(versions))
            and _metadata_tensors(body.get("inputs")) and _metadata_tensors(body.get("outputs"))):
        return f"GET /v2/models/{name[:64]}"  # ModelMetadataResponse
    return None


def check_payload(kind: str, body: dict[str, Any]) -> None:
    """Raise :class:`PayloadError` when the join could not turn ``body`` into rows.

    A request may carry v1 ``instances`` (a list) or v2 ``inputs`` (tensors); a response v1
    ``predictions`` (a list) or v2 ``outputs`` (tensors) and a string/number ``model_version``.
    A body with none of these is accepted (it gives a row without features or predictions).
    """
    if kind == "request":
        if v1_inputs(body):
            return
        if "instances" in body:
            if not isinstance(body["instances"], list):
                raise PayloadError(f"'instances' must be a list; got {type(body['instances']).__name__}")
        elif "inputs" in body:
            _check_tensors(body["inputs"], "inputs")
        return
    if "predictions" in body:
        if not isinstance(body["predictions"], list):
            raise PayloadError(f"'predictions' must be a list; got {type(body['predictions']).__name__}")
    elif "outputs" in body and not v1_outputs(body):
        _check_tensors(body["outputs"], "outputs")
    version = body.get("model_version")
    if version is not None and not isinstance(version, str | int) and not (
            type(version) is float and math.isfinite(version)):  # 1.5: its text, as an integer
        raise PayloadError(f"'model_version' must be a string; got {type(version).__name__}")


def count_values(kind: str, body: Any, limit: int | None = None) -> int:
    """What an event costs the sink at the join and flush, in values: its feature (or prediction)
    values plus :data:`~ctloop.inference_log.defaults.ROW_VALUES` for each row it makes (the row's
    identity columns). From the parsed structure, nothing per value: v1 ``instances``/``inputs``/
    ``predictions`` each row's length (a scalar or an empty row 1; a nested value is one value,
    stored as JSON text), v2 tensors the product of their shape. A body of another shape is 0
    (:func:`check_payload` refuses it, the join quarantines it). With ``limit``, rows that are
    over it by their number alone are not looked at: the count is then a lower bound."""
    if not isinstance(body, dict):
        return 0
    if kind == "request":
        rows = _v1_rows(body.get("inputs")) if v1_inputs(body) else body.get("instances")
        tensors = None if rows is not None else body.get("inputs")
    else:
        rows = _predictions(body)
        tensors = None if rows is not None else body.get("outputs")
    if isinstance(rows, list):
        if limit is not None and len(rows) * (ROW_VALUES + 1) > limit:
            return len(rows) * (ROW_VALUES + 1)
        values = sum([len(r) or 1 if type(r) is list or type(r) is dict else 1 for r in rows])
        return values + ROW_VALUES * len(rows)
    if not isinstance(tensors, list):
        return 0
    values = n = 0
    for t in tensors:
        shape = t.get("shape") if isinstance(t, dict) else None
        data = t.get("data") if isinstance(t, dict) else None
        if not (isinstance(shape, list) and shape and all(type(d) is int and d >= 0 for d in shape)):
            shape = [len(data)] if isinstance(data, list) else [0]
        # nested data (N lists of k) without a shape, or under a shape it does not fit: what it holds
        held = sum([len(r) if type(r) is list else 1 for r in data]) \
            if isinstance(data, list) and data and type(data[0]) is list else 0
        values += max(math.prod(shape), held)
        n = max(n, shape[0])
    return values + ROW_VALUES * n


class TooManyValues(RejectedEvent):
    """413 ``too_many_values``: an event holding more values than the sink takes."""

    def __init__(self, kind: str, event_id: str, model: str, count: int, cap: int):
        super().__init__(413, f"{kind} body holds at least {count:,} values ({ROW_VALUES} a row included), more than the "
                              f"{cap:,} the sink takes (--max-body-bytes / {VALUES_DIVISOR}: raise it with "
                              "--max-body-bytes or CTLOOP_LOG_MAX_BODY_BYTES, and the pod's memory with it)",
                         "too_many_values", event_id=event_id)
        self.model, self.count, self.cap = model, count, cap


# ------------------------------------------------------------------ keys
# The one rule of a key the log keeps as a header would carry it (review 61 M4): the event's id (``request_id``) and
# each metadata header's value (``meta_*``). KServe's agent sends them as HTTP headers, which hold no control
# character but tab and take at most the sink's head limit (Go's ``httpguts.ValidHeaderFieldValue``, RFC 9110
# section 5.5; llhttp); a structured-mode event's ``id``, a percent-encoded ``ce-id`` or a JSON escape in
# ``ce-metadata`` may hold anything. The sink refuses an event breaking it (:func:`parse_event`, a 400 before the
# event is acknowledged) and the label store refuses label keys breaking it on those columns
# (``ctloop.labels.store``: :func:`unloggable_keys`), so no key acknowledged on one side is refused on the other.
# Body columns (``loan_id``, a v2 body's ``id`` as ``meta_inference_id``) are JSON values: never checked.
KEY_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
KEY_CONTROLS = tuple(map(chr, (*range(0x09), *range(0x0a, 0x20), 0x7f)))  # the same, one by one
KEY_MAX_BYTES = MAX_HEAD_BYTES
"""The longest key in UTF-8 bytes: the sink's limit of a whole request head (``defaults.MAX_HEAD_BYTES``)."""


def header_key_column(column: str) -> bool:
    """Whether the log's ``column`` holds a key :data:`KEY_CONTROL` and :data:`KEY_MAX_BYTES` rule: ``request_id``
    and the metadata headers' ``meta_*`` columns, not ``meta_inference_id`` (a v2 body's ``id``) nor a body column."""
    from ctloop.columns import REQUEST_ID

    return column == REQUEST_ID or (column.startswith("meta_") and column != INFERENCE_ID)


def key_fault(value: str) -> str | None:
    """Why ``value`` cannot be a logged header key (the rule above), None when it can."""
    if KEY_CONTROL.search(value):
        return "holds a control character such as a NUL or a newline"
    if len(value) > KEY_MAX_BYTES // 4 and len(value.encode("utf-8", "surrogatepass")) > KEY_MAX_BYTES:
        return f"is longer than {KEY_MAX_BYTES} bytes (UTF-8)"
    return None


def unloggable_keys(keys: Any) -> tuple[int, int, str] | None:
    """``(count, first row position, why)`` of the text keys of the pandas Series ``keys`` that :func:`key_fault`
    refuses, None for none: the same rule, value by value only where a C search finds a control character and
    where a key may pass the byte limit (1e6 UUIDs: a few tenths of a second)."""
    import numpy as np
    import pandas as pd

    if not len(keys) or not (keys.dtype == object or isinstance(keys.dtype, pd.StringDtype)):
        return None  # numbers and booleans hold no control character and are short
    text = keys.astype("string")  # normalise_keys' text as it is (no copy); an object column's keys as text
    control = np.zeros(len(keys), dtype=bool)
    joined = text.str.cat()  # missing keys left out
    if any(c in joined for c in KEY_CONTROLS):  # 32 searches in C
        control = text.map(lambda v: isinstance(v, str) and bool(KEY_CONTROL.search(v))).to_numpy(dtype=bool)
    long = text.str.len().gt(KEY_MAX_BYTES // 4).to_numpy(dtype=bool, na_value=False)  # at most 4 bytes a character
    if long.any():
        long[long] = [len(v.encode("utf-8", "surrogatepass")) > KEY_MAX_BYTES for v in text[long]]
    wrong = control | long
    if not wrong.any():
        return None
    why = []
    if control.any():
        why.append(f"{int(control.sum())} holding a control character such as a NUL or a newline")
    if long.any():
        why.append(f"{int(long.sum())} longer than {KEY_MAX_BYTES} bytes (UTF-8)")
    return int(wrong.sum()), int(wrong.argmax()), ", ".join(why)


def _refuse_unloggable_keys(event_id: str, metadata: dict[str, str | None] | None) -> None:
    """Refuse (400 ``bad_header``) an event whose id or a metadata header's value breaks :func:`key_fault`."""
    named = [("id", event_id), *((f"metadata {column}", v) for column, v in (metadata or {}).items() if v)]
    for name, value in named:
        why = key_fault(value)
        if why:
            shown = repr(value[:32]) + ("…" if len(value) > 32 else "")
            raise RejectedEvent(400, f"the event's {name} {shown} {why}: no HTTP header can carry it, and a label "
                                     f"store refuses such a key: send keys without control characters (tab aside), "
                                     f"of at most {KEY_MAX_BYTES} bytes", "bad_header",
                                event_id=event_id if key_fault(event_id) is None else "(unloggable id)")


def parse_event(headers: dict[str, str], body: bytes, *, lowercase: bool = False,
                max_values: int | None = None) -> Event:
    """Validate one CloudEvent, binary or structured mode (chosen by ``Content-Type``, HTTP
    binding §3); raises RejectedEvent with a 4xx and a reason. ``lowercase``: the header names
    are lowercase already (ASGI guarantees it), so they are not copied into a new dict; the dict
    may then be changed (decoded values). ``max_values``: a body holding more values
    (:func:`count_values`; binary tensor data checked before it is decoded) is refused 413
    ``too_many_values`` (:class:`TooManyValues`), before it reaches the write-ahead log."""
    h = headers if lowercase else {k.lower(): v for k, v in headers.items()}
    encoding = h.get("content-encoding")
    if encoding is not None and encoding.strip().lower() not in ("", "identity"):  # HTTP's own compression
        body = _decode(body, encoding.strip().lower(), max_values * VALUES_DIVISOR if max_values is not None
                       else MAX_BODY_BYTES)
    content_type = h.get("content-type", "").lower()
    # KServe's agent sends binary mode only, its Content-Type the model request's: a client's
    # cloudevents+json request is then the body of a binary event (:func:`inference_body`)
    structured = content_type.startswith(STRUCTURED) and not ("ce-specversion" in h and from_kserve_agent(h))
    tail = None
    if structured:
        h, body, payload, utf8, tail = _structured(body, max_values * VALUES_DIVISOR if max_values is not None
                                                   else MAX_BODY_BYTES)
    elif content_type.startswith(BATCHED):
        raise RejectedEvent(415, "batched content mode (application/cloudevents-batch+json) is not supported: send "
                                 "one event per request, binary or structured", "unsupported_media")
    elif content_type.startswith(GRPC):
        raise RejectedEvent(415, f"a gRPC payload (Content-Type {content_type[:64]!r}) is not logged: the inference "
                                 "log reads REST (JSON) inference calls only; send the model's traffic over REST to "
                                 "log it", "grpc", event_id=h.get("ce-id") or "(no ce-id)")
    else:
        values = "".join(h.values())
        if not values.isascii():  # rare: raw UTF-8 (KServe's agent does not encode), read as latin-1
            for name, value in h.items():
                if name.startswith("ce-") and not value.isascii():
                    h[name] = _utf8(value)
        agent = from_kserve_agent(h)
        if "%" in values and agent:  # rare: a percent-encoded JSON object or time is decoded (agent_value)
            for name in _AGENT_SYNTAX:
                if name in h:
                    h[name] = agent_value(name, h[name])
        elif ("%" in values or '"' in values) and not agent:  # rare: only then is each value looked at
            for name, value in h.items():
                if name.startswith("ce-") and ("%" in value or value[:1] == '"'):
                    h[name] = decode_header(name, value)
        if _compressed(body):
            body = _inflate(body, max_values * VALUES_DIVISOR if max_values is not None else MAX_BODY_BYTES)
        payload, utf8, tail = (_parse_binary_mode(body, h.get("ce-id"), charset_of(content_type)) if body
                               else (None, True, None))
    missing = [k for k in REQUIRED if not h.get(k)]
    if missing:
        if structured:
            raise RejectedEvent(400, "missing CloudEvent attribute(s) in the structured event: "
                                     + ", ".join(k[3:] for k in missing), "missing_header")
        raise RejectedEvent(400, f"missing CloudEvent header(s): {', '.join(missing)}", "missing_header")
    if h.get("ce-specversion", "1.0") != "1.0":
        raise RejectedEvent(400, f"ce-specversion {h['ce-specversion'][:16]!r} is not supported: expected 1.0",
                            "bad_specversion")
    ce_type = h["ce-type"]
    if ce_type.endswith(".inference.request"):
        kind = "request"
    elif ce_type.endswith(".inference.response"):
        kind = "response"
    else:
        raise RejectedEvent(400, f"unknown ce-type {ce_type[:80]!r}: expected …inference.request or "
                                 "…inference.response", "unknown_type")
    model = h["ce-inferenceservicename"]
    if not _K8S_NAME.match(model):
        raise RejectedEvent(400, f"ce-inferenceservicename {model[:64]!r} is not an InferenceService name "
                                 "(lowercase letters, digits and '-', at most 63 characters)", "bad_header")
    if not isinstance(payload, dict):
        if not body and not structured:  # KServe's agent logs every call it proxies, one without a body too
            raise RejectedEvent(400, EMPTY_BODY[kind], "not_inference")
        raise RejectedEvent(400, "body must be a JSON object (v1 'instances'/'predictions' or v2 'inputs'/'outputs')",
                            "bad_payload")
    inner = inference_body(payload)
    if inner is not payload:  # the WAL keeps what the model read, as the parsed body is written
        payload, body, utf8 = inner, _dumps_body(inner), True
    elif kind == "response" and len(payload) <= 5 and "predictions" not in payload:  # never answered as a CloudEvent
        route = kserve_get_answer(payload)
        if route is not None:  # stored, it was a lone response half with no prediction (one a poll)
            raise RejectedEvent(400, f"response body is the model server's answer to {route}, no inference: "
                                     "not logged (KServe's agent logs every call through the predictor but "
                                     "kubelet probes)", "not_inference")
    if tail or (tail is not None and binary_tensors.has_binary(payload, kind)):
        try:  # binary tensor data after the JSON: its values become the tensors' data
            payload = binary_tensors.decode(payload, tail, kind, max_values)
        except binary_tensors.TooManyValues as exc:
            raise TooManyValues(kind, h["ce-id"], model, exc.count, max_values) from exc
        except binary_tensors.BinaryTensorError as exc:
            raise RejectedEvent(400, f"{kind} body: {exc}", "bad_payload", event_id=h["ce-id"]) from exc
        body, utf8 = _dumps_body(payload), True
    if max_values is not None:  # first: cheaper than check_depth's walk of a large body
        count = count_values(kind, payload, max_values)
        if count > max_values:
            try:  # a tensor whose shape does not fit its data is a 400 naming it, whatever its size
                check_payload(kind, payload)  # a few checks per tensor (per row of nested data)
            except PayloadError as exc:
                raise RejectedEvent(400, f"{kind} body: {exc}", "bad_payload") from exc
            raise TooManyValues(kind, h["ce-id"], model, count, max_values)
    check_depth(body, payload)
    if (not utf8 or b"\\u" in body) and not _encodable(payload):  # rare: a \\u escape may be a lone surrogate
        payload = _scrub(payload)
        body, utf8 = _dumps_body(payload), True
    try:
        check_payload(kind, payload)
    except PayloadError as exc:
        raise RejectedEvent(400, f"{kind} body: {exc}", "bad_payload") from exc
    version = payload.get("model_version") if kind == "response" else None
    model_version = str(version) if version is not None else annotated_model_version(h.get("ce-annotations"))
    source = h["ce-source"]
    stamped = bool(h.get("ce-time")) and not structured and from_kserve_agent(h)
    recorded = h.get("ce-recordedtime", "") if stamped else ""
    _refuse_unloggable_keys(h["ce-id"], metadata := metadata_columns(h.get("ce-metadata")))
    event = Event(
        id=h["ce-id"], kind=kind, model=model, namespace=h.get("ce-namespace", ""),
        component=h.get("ce-component") or "predictor", revision=revision_from_source(source), source=source,
        time=_utc_time(h.get("ce-time")), body=payload,
        stamped=stamped, recorded=recorded if len(recorded) <= 64 else "",
        raw=_one_line(body) if utf8 else None,
        metadata=metadata, model_version=model_version,
    )
    if structured or "\\u" in h.get("ce-metadata", "") or "\\u" in h.get("ce-annotations", ""):
        _check_unicode(event)  # binary-mode header values are bytes: only their JSON escapes make surrogates
    return event


# an empty body's refusal, by kind: a request of a call without a body (a GET through the predictor,
# whose response is the JSON it asked for: kserve_get_answer), a response of a 200 without one (the
# agent logs a response only when it is a 200: v0.20.0 pkg/logger/handler.go)
EMPTY_BODY = {
    "request": "request body is empty: no inference to log (KServe's agent sends one for a call without a body "
               "through the predictor: a GET of health or metadata, or a POST of the model repository's load or "
               "unload)",
    "response": "response body is empty: no prediction to log (KServe's agent sends one for a call answered 200 "
                "without a body)",
}


def _compressed(body: bytes) -> bool:
    """Whether ``body`` starts with gzip's magic number or a zlib header (never the start of JSON)."""
    return body[:2] == b"\x1f\x8b" or (body[:1] == b"\x78" and int.from_bytes(body[:2]) % 31 == 0)


# HTTP content codings the sink reads (RFC 9110 §8.4.1: x-gzip is gzip; deflate is zlib data)
CONTENT_CODINGS = ("gzip", "x-gzip", "deflate")


def _decode(body: bytes, encoding: str, limit: int) -> bytes:
    """A body sent with ``Content-Encoding: encoding`` (lower case, not ``identity``), decoded as
    :func:`_inflate` reads the same bytes sent without it; another coding is a 415."""
    if encoding not in CONTENT_CODINGS:
        raise RejectedEvent(415, f"content-encoding {encoding[:64]!r} is not supported: send the body uncompressed, "
                                 "gzip or deflate", "unsupported_media")
    gzipped = body[:2] == b"\x1f\x8b"
    if (encoding == "deflate") == gzipped or not _compressed(body):
        raise RejectedEvent(400, f"content-encoding {encoding}, but the body is not "
                                 f"{'zlib' if encoding == 'deflate' else 'gzip'} data", "bad_json")
    return _inflate(body, limit)


def _inflate(body: bytes, limit: int) -> bytes:
    """A gzip or zlib (HTTP ``deflate``) body, decompressed: what KServe's agent logs of a model
    server's compressed response (Triton compresses as the client's ``Accept-Encoding`` asks; the
    agent copies the bytes and sends no ``Content-Encoding``: v0.20.0 ``pkg/logger/handler.go``,
    ``worker.go``) or of a client's compressed request, and a body sent with ``Content-Encoding``
    (:func:`_decode`). Neither magic number can start JSON. A gzip body may hold several members
    (RFC 1952 §2.2), read one after the other as ``gzip.decompress`` does; any other bytes after the
    compressed data are a 400, as corrupt data is. More than ``limit`` bytes once decompressed (every
    member counted) is a 413, as a body that large is. More than :data:`MAX_GZIP_MEMBERS` members is
    a 400: an empty member (20 bytes) adds no output, so the size limit alone would let a body of
    thousands of them through (review revH2 #1). The input is read in slices of a view (each
    member's leftover is at most one slice, not all the input after it) and the output kept in a
    list, so reading is linear in the body's size."""
    import zlib

    parts: list[bytes] = []
    size = offset = members = 0
    view = memoryview(body)
    while True:
        members += 1
        if members > MAX_GZIP_MEMBERS:
            raise RejectedEvent(400, f"body is not JSON: it holds more than {MAX_GZIP_MEMBERS} gzip members "
                                     "(RFC 1952 §2.2); send it as one member", "bad_json")
        inflater = zlib.decompressobj(wbits=47)  # gzip or zlib header, told apart by zlib
        while not inflater.eof and offset < len(body):
            piece = view[offset:offset + _INFLATE_SLICE]
            try:
                out = inflater.decompress(piece, limit + 1 - size)  # >= 1: 0 would mean no limit
            except zlib.error as exc:
                raise RejectedEvent(400, f"body is not JSON: it starts as compressed data, which is corrupt "
                                         f"({exc})", "bad_json") from exc
            parts.append(out)
            size += len(out)
            if size > limit:
                raise RejectedEvent(413, f"body is over {limit:,} bytes once decompressed (--max-body-bytes)",
                                    "oversize")
            # below the output limit zlib takes the whole slice: what it did not read is after the member
            offset += len(piece) - len(inflater.unused_data) - len(inflater.unconsumed_tail)
        if not inflater.eof:
            raise RejectedEvent(400, "body is not JSON: it starts as compressed data, which is cut short",
                                "bad_json")
        if offset == len(body):
            return b"".join(parts)
        rest = body[offset:offset + 16]
        if not (body[:2] == rest[:2] == b"\x1f\x8b"):  # another gzip member: read on; anything else refused
            raise RejectedEvent(400, f"body is not JSON: {len(body) - offset:,} bytes after the compressed data "
                                     f"({rest!r}…): a gzip body holds gzip members only, a zlib body one "
                                     "stream", "bad_json")


# At most this many gzip members in one body (review revH2 #1); a compressor writes one, ``cat a.gz
# b.gz`` or a streaming compressor's flushes a few.
MAX_GZIP_MEMBERS = 64
_INFLATE_SLICE = 1 << 16


def _scrub(value: Any) -> Any:
    """``value`` with every lone UTF-16 surrogate (a JSON escape such as ``\\ud83d`` that is no
    Unicode character: a string cut inside an emoji by a JavaScript client) in its strings and keys
    replaced by U+FFFD, as Go's encoding/json writes invalid UTF-8; no UTF-8 file can hold them.
    Before, such a feature name entered the model's column registry and failed every flush."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, dict):
        return {_scrub(key): _scrub(item) for key, item in value.items()}
    return value


def _encodable(value: Any) -> bool:
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError:
        return False
    return True


_ATTRIBUTE_OF = {"id": "ce-id", "source": "ce-source", "namespace": "ce-namespace", "component": "ce-component",
                 "metadata": "ce-metadata", "model_version": "model_version (the response body's, else ce-annotations')"}


def _check_unicode(event: Event) -> None:
    """400 for an attribute holding a lone UTF-16 surrogate (``"\\ud800"`` in JSON: a structured
    event's attributes, ``ce-metadata``, ``ce-annotations``, a response's ``model_version``),
    which no UTF-8 write-ahead log line can hold: before, its commit raised in the committer task
    and the sink failed (503 to every event until restarted)."""
    d = event.__dict__
    try:
        orjson.dumps({k: d[k] for k in _META_FIELDS})
    except orjson.JSONEncodeError:
        attribute = next((label for name, label in _ATTRIBUTE_OF.items() if not _encodable(d[name])), "an attribute")
        raise RejectedEvent(400, f"{attribute} holds a lone UTF-16 surrogate (an escape such as \\ud800 that "
                                 "is no Unicode character): it cannot be stored as UTF-8", "bad_header") from None


def _one_line(body: bytes) -> bytes:
    """The body without line breaks (outside strings a newline is only whitespace; inside, JSON
    requires it escaped) nor a leading UTF-8 byte order mark (which Python's parser skips and no
    parser reads inside a WAL line: such an acknowledged event was a corrupt line after a crash):
    the body itself, not a copy, when it has neither (the usual case)."""
    if body[:3] == b"\xef\xbb\xbf":
        body = body[3:]
    if b"\n" in body or b"\r" in body:
        return body.translate(_NO_BREAKS)
    return body if type(body) is bytes else bytes(body)


_NO_BREAKS = bytes.maketrans(b"\n\r", b"  ")


def _event_named(event_id: Any) -> str:
    """A structured event's ``id`` as a log line names it: ``(no id)`` when it has none."""
    return "(no id)" if event_id is None or event_id == "" else str(event_id)[:128]


_STRUCTURED_DATA = ("data", "data_base64", "datacontenttype", "dataschema")


def _structured(body: bytes, limit: int = MAX_BODY_BYTES) -> tuple[dict[str, str], bytes, Any, bool, bytes | None]:
    """A structured-mode event (JSON event format 1.0.2): its attributes as the ``ce-*`` names of
    binary mode, the data's bytes, the parsed data, whether those bytes are UTF-8 and, for
    ``data_base64``, the binary tensor data after its JSON (:func:`_parse_binary_mode`: what
    ``logger import`` makes of a KServe blob record of a binary tensor body)."""
    envelope, _ = _parse_json(body)
    if not isinstance(envelope, dict):
        raise RejectedEvent(400, "a structured-mode event must be a JSON object with specversion, id, type, source "
                                 "and data or data_base64", "bad_json")
    h = {}
    for name, value in envelope.items():
        if name in _STRUCTURED_DATA or value is None:
            continue
        # extension values (metadata, annotations) are strings; a producer sending JSON itself is
        # taken at its word
        try:
            h["ce-" + name] = value if isinstance(value, str) else orjson.dumps(value).decode()
        except orjson.JSONEncodeError as exc:  # a lone surrogate, or deeper than orjson writes: was a 500
            raise RejectedEvent(400, f"attribute {name[:64]!r} cannot be kept as JSON text: {exc}", "bad_json") from exc
    data_type = envelope.get("datacontenttype")
    if isinstance(data_type, str) and data_type.strip().lower().startswith(GRPC):  # as in binary mode
        raise RejectedEvent(415, f"a gRPC payload (datacontenttype {data_type[:64]!r}) is not logged: the inference "
                                 "log reads REST (JSON) inference calls only; send the model's traffic over REST to "
                                 "log it", "grpc", event_id=_event_named(envelope.get("id")))
    if "data_base64" in envelope:
        try:
            data = base64.b64decode(envelope["data_base64"], validate=True)
        except (binascii.Error, TypeError, ValueError) as exc:
            raise RejectedEvent(400, f"data_base64 is not base64: {exc}", "bad_json") from exc
        if _compressed(data):  # a blob record of a compressed body (logger import): as in binary mode
            data = _inflate(data, limit)
        event_id = h.get("ce-id")
        charset = charset_of(data_type.lower()) if isinstance(data_type, str) else None  # as in binary mode
        payload, utf8, tail = _parse_binary_mode(data, event_id if isinstance(event_id, str) else None, charset)
        return h, data, payload, utf8, tail
    payload = envelope.get("data")
    if isinstance(payload, str):  # data given as JSON text
        try:
            data = payload.encode()
        except UnicodeEncodeError as exc:  # a lone surrogate escape ("\ud800"): no UTF-8 text
            raise RejectedEvent(400, f"data is not Unicode text: {exc}", "bad_json") from exc
        payload, utf8 = _parse_json(data)
        return h, data, payload, utf8, None
    return h, _dumps_body(payload), payload, True, None


# ------------------------------------------------------------------ rows
def _columns_from_tensors(tensors: Any, prefix: str = "", key: str = "inputs") -> dict[str, list[Any]]:
    """v2 tensors → columns: shape [N] or [N, 1] → ``<name>``; [N, k] → ``<name>_0`` … ``<name>_{k-1}``,
    from flat row-major or nested data alike."""
    if not isinstance(tensors, list):
        raise PayloadError(f"'{key}' must be a list of v2 tensors; got {type(tensors).__name__}")
    widths = [_tensor_width(t, f"'{key}'[{i}]") for i, t in enumerate(tensors)]
    # the columns named by a tensor itself: a [N, k] tensor's <name>_<j> does not take one
    singles = {f"{prefix}{t.get('name', 'value')}" for t, (_, k, _) in zip(tensors, widths, strict=True) if k == 1} \
        if len(tensors) > 1 else set()
    cols: dict[str, list[Any]] = {}
    for t, (_, k, nested) in zip(tensors, widths, strict=True):
        name = f"{prefix}{t.get('name', 'value')}"
        data = _row_values(t)
        if k == 1:
            cols[name] = [row[0] for row in data] if nested else data
            continue
        for j in range(k):
            column = f"{name}_{j}"
            if column in singles:  # another tensor is called that: a name of its own, never the other's
                column = f"{name}[{j}]"
                while column in singles:
                    column += "_"
            cols[column] = [row[j] for row in data] if nested else data[j::k]
    return cols


def _rows_from_columns(cols: dict[str, list[Any]]) -> list[dict[str, Any]]:
    n = max((len(v) for v in cols.values()), default=0)
    return [{k: (v[i] if i < len(v) else None) for k, v in cols.items()} for i in range(n)]


def request_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Features per instance: v1 objects as they are, v1 lists as ``f0``, ``f1``, …, v2 tensors by
    name; v1 instances sent as ``inputs`` (:func:`v1_inputs`) as v1 ones."""
    key = "inputs" if v1_inputs(body) else "instances" if "instances" in body else ""
    if key:
        instances = _v1_rows(body[key]) if key == "inputs" else body[key]  # instances: a list only
        if not isinstance(instances, list):
            raise PayloadError(f"'instances' must be a list; got {type(instances).__name__}")
        rows = []
        for inst in instances:
            if isinstance(inst, dict):
                rows.append(dict(inst))
            elif isinstance(inst, list):
                rows.append({f"f{j}": v for j, v in enumerate(inst)})
            else:
                rows.append({"f0": inst})
        return rows
    if "inputs" in body:
        return _rows_from_columns(_columns_from_tensors(body["inputs"], key="inputs"))
    return []


def response_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Predictions per instance: ``prediction`` (scalar), ``prediction_<i>`` (list),
    ``prediction_<key>`` (object), ``prediction_<output>[_<i>]`` (v2 tensors)."""
    if "predictions" in body or v1_outputs(body):
        predictions = _predictions(body)
        if not isinstance(predictions, list):
            raise PayloadError(f"'predictions' must be a list; got {type(predictions).__name__}")
        out = []
        for p in predictions:
            if isinstance(p, list):
                out.append({f"prediction_{j}": v for j, v in enumerate(p)})
            elif isinstance(p, dict):
                out.append({f"prediction_{k}": v for k, v in p.items()})
            else:
                out.append({"prediction": p})
        return out
    if "outputs" in body:
        return _rows_from_columns(_columns_from_tensors(body["outputs"], prefix="prediction_", key="outputs"))
    return []


def check_pair(rows: int, predictions: int, response: dict[str, Any]) -> None:
    """Raise :class:`PairMismatch` unless the response body answers each of the request's
    ``rows`` (instances or v2 input rows) with one row: as many v1 ``predictions`` (``predictions``
    rows made of them), or every v2 output tensor with ``rows`` as its first dimension — the
    batch dimension by KServe's contract (v0.20.0 ``python/kserve/kserve/utils/utils.py``
    ``get_predict_response``: each output's shape is the result's, one row per input row)."""
    if "predictions" in response or v1_outputs(response):
        if predictions != rows:
            raise PairMismatch(f"the response has {predictions} predictions for {rows} instances: "
                               "which prediction belongs to which instance is unknown")
        return
    if "outputs" not in response:
        return
    outputs = response["outputs"]
    if not outputs and rows:
        raise PairMismatch(f"the response has no outputs for the request's {rows} row(s): "
                           "which prediction belongs to which instance is unknown")
    for i, tensor in enumerate(outputs):
        n, _, _ = _tensor_width(tensor, f"'outputs'[{i}]")
        if n != rows:
            raise PairMismatch(f"the response's output {str(tensor.get('name', 'value'))!r} has {n} row(s) "
                               f"(shape[0]) for the request's {rows}: which prediction belongs to which "
                               "instance is unknown")


INFERENCE_ID = "meta_inference_id"


def inference_id(body: Any) -> str | None:
    """The Open Inference Protocol's own request id: a v2 body's ``id`` ("Optional, but if specified
    this identifier must be returned in the response", kserve ``docs/predict-api/v2/required_api.md``).
    KServe's agent names events by the ``Ce-Id`` header, else a new UUID, so a client that only set
    the body's id, or only kept the response's (KServe's v2 server answers ``payload.id if
    payload.id else generate_uuid()``, ``python/kserve/kserve/utils/utils.py`` at v0.20.0), would
    otherwise find it nowhere in the log. None for v1 bodies and ids that are no string or number."""
    if not isinstance(body, dict) or not ("inputs" in body or "outputs" in body) or v1_inputs(body) or v1_outputs(body):
        return None
    value = body.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int | float) or value == "":
        return None
    return str(value)


# names readers give columns of their own: the hive partition key ``date`` (``pyarrow.dataset``
# with partitioning="hive" and schema.dataset_schema: a file column of that name makes the read
# fail), ``_time`` (read_log's parsed time, which replaced such a feature)
READER_COLUMNS = frozenset((PARTITION_KEYS[1], PARSED_TIME))


# what a request body holds when a feature may be named like a column filled from elsewhere
# (:func:`_clashes`), as a key or as a v2 tensor's name: ``"meta"`` of shape [N, k] makes meta_<j>,
# ``"input_…`` may be input_<such a name>; ``\\u`` an escape that may spell any of them
_CLASH_TOKENS = (b'"prediction', b'"meta_', b'"meta"', b'"date"', b'"_time"', b'"input_', b"\\u")


def _may_clash_in(request: Event | None) -> bool:
    """Whether any feature of ``request`` may need renaming (:func:`_clashes`): once per event
    on the body as received, so that rows are looked at only when it names such a key (or holds
    an escape, or is not at hand: a replayed event)."""
    if request is None:
        return False
    raw = request.raw
    return raw is None or any(token in raw for token in _CLASH_TOKENS)


def _may_clash(features: dict[str, Any]) -> bool:
    """Whether a feature name may be a prediction's, a ``meta_*`` column's or one of
    :data:`READER_COLUMNS` (one pass over the names joined: :func:`_clashes` decides for each
    name only then)."""
    names = "\0" + "\0".join(features) + "\0"
    return ("\0prediction" in names or "\0meta_" in names or "\0date\0" in names or "\0_time\0" in names
            or "\0input_" in names)


def _clashes(name: str) -> bool:
    """A feature name the join fills from elsewhere, or a reader does: an identity column, a
    prediction (``prediction``, ``prediction_<…>``: the response's), ``meta_*`` (``ce-metadata``,
    the v2 ``id``) or :data:`READER_COLUMNS`; such a feature is stored as ``input_<name>``. So is
    ``input_<such a name>`` (``input_date`` is stored as ``input_input_date``): the column
    ``input_date`` holds the feature ``date``, and of a body with both, neither value is lost."""
    while name.startswith("input_"):
        name = name[6:]
    return (name in RESERVED or name in READER_COLUMNS or name == "prediction"
            or name.startswith(("prediction_", "meta_")))


def feature_column(name: str) -> str:
    """The column a feature called ``name`` is stored in: ``input_<name>`` when the join fills a
    column of that name from elsewhere (:func:`_clashes`), else ``name``. One feature, one column:
    no two names are stored in the same one."""
    return f"input_{name}" if _clashes(name) else name


def feature_sources(name: str) -> tuple[str, ...]:
    """The log columns that may hold the feature ``name``, the first preferred row by row:
    :func:`feature_column`, then, for a name stored as ``input_<name>`` since 2026-12-05 (``date``,
    and ``input_<x>`` of a clashing ``x``: ``input_input_date``), the column ``name`` it was stored
    in before (a log spanning the upgrade holds it there in older rows). Not for names whose own
    column is not the feature's: identity columns (stored as ``input_<name>`` from the start),
    ``_time`` (``read_log``'s parsed time), ``prediction``/``prediction_*`` (the response's
    prediction, which also overwrote such a feature before) and ``meta_*`` (the ce-metadata value:
    a row without the feature would read the header's value)."""
    column = feature_column(name)
    if name.startswith("input_") and column != name:  # input_date: input_input_date since, input_date before
        return (column, name)
    if column == name or name in RESERVED or name == PARSED_TIME or name.startswith(("prediction", "meta_")):
        # prediction*/meta_*: their own column holds the response's prediction or the ce-metadata
        # value in every row since, and held them over the feature before when both were sent
        return (column,)
    return (column, name)


def join(request: Event | None, response: Event | None) -> list[dict[str, Any]]:
    """One row per instance (at least one per request id): identity columns + ``meta_*`` +
    request features + response predictions. Raises :class:`PayloadError` for a body of the
    wrong shape (only possible for events that bypassed :func:`parse_event`, e.g. old WAL lines)
    and :class:`PairMismatch` for a response with more or fewer rows than its request
    (:func:`check_pair`)."""
    base = request or response
    assert base is not None
    features = request_rows(request.body) if request is not None and isinstance(request.body, dict) else []
    predictions = response_rows(response.body) if response is not None and isinstance(response.body, dict) else []
    if (request is not None and response is not None and isinstance(request.body, dict)
            and ("instances" in request.body or "inputs" in request.body) and isinstance(response.body, dict)):
        if len(features) != len(predictions) and v1_inputs(request.body) and v1_outputs(response.body):
            # TensorFlow Serving's columnar pair with no common batch dimension: the tensors
            # "need not share the same 0-th dimension" (api_rest.md): one row, each side whole
            features = [_whole(request.body["inputs"], "f0")]
            predictions = [_whole(response.body["outputs"], "prediction", "prediction_")]
        elif len(features) != len(predictions) and _unbatched(request.body) and _one_answer(response.body):
            # an unbatched v2 sequence: 1-D tensors of n tokens answered by one row (no output has
            # the n rows KServe's batched contract gives): one row, each input whole
            features = [{str(t.get("name", "value")): t["data"] for t in request.body["inputs"]}]
        check_pair(len(features), len(predictions), response.body)
    model_version = (response.model_version if response is not None and response.model_version
                     else request.model_version if request is not None else "")
    revision = row_revision((request.revision if request is not None else "")
                            or (response.revision if response is not None else ""), model_version)
    meta: dict[str, Any] = {}
    if response is not None and response.metadata:
        meta.update(response.metadata)
    if request is not None and request.metadata:
        meta.update(request.metadata)
    body_id = inference_id(request.body) if request is not None else None
    if body_id is None and response is not None:  # the id the client was answered with (v2 servers make one up)
        body_id = inference_id(response.body)
    if body_id is not None:
        meta.setdefault(INFERENCE_ID, body_id)  # a metadata header of that name keeps its own value
    identity = {"request_id": base.id, "model": base.model, "namespace": base.namespace, "revision": revision,
                "model_version": model_version, "component": base.component, "time": base.time,
                "has_response": response is not None, "has_request": request is not None}
    rows = []
    clash = bool(features) and _may_clash_in(request)
    first = NO_INSTANCE if _no_instance(request, response, features, predictions) else 0
    for i in range(max(len(features), len(predictions), 1)):
        row: dict[str, Any] = {"instance": first if i == 0 else i, **identity, **meta}
        if i < len(features):
            feats = features[i]
            if not RESERVED.isdisjoint(feats) or (clash and _may_clash(feats)):  # a feature called "model", "prediction" or
                feats = {f"input_{k}" if _clashes(k) else k: v for k, v in feats.items()}  # "meta_…" must not
            row.update(feats)  # replace those (nor sit in a prediction column as if predicted)
        if i < len(predictions):
            row.update(predictions[i])
        rows.append(row)
    error = error_text(response.body) if response is not None else None
    if error is not None:  # the call failed: every row says so (no prediction was served)
        for row in rows:
            row[ERROR] = error
    whole = _whole_side(request, response)
    if whole is not None:
        rows[0][WHOLE] = whole
    return rows


# ``instance`` of the one row of a call of no instance (:func:`_no_instance`): the call is kept in
# the log, and the readers (``reader.read_log``, ``scan``) return no row for it
NO_INSTANCE = -1


def _no_instance(request: Event | None, response: Event | None, features: list, predictions: list) -> bool:
    """Whether a call (or a half of one) is an explicit empty batch: ``{"instances": []}``, v2
    tensors of shape ``[0, …]``, answered by ``{"predictions": []}``, ``{"outputs": []}`` or an
    error. A body the join cannot split into instances (no batch key, not JSON) is not: its row
    stays instance 0."""
    if features or predictions:
        return False
    sides = 0
    if request is not None:
        if not isinstance(request.body, dict) or not ("instances" in request.body or "inputs" in request.body):
            return False
        sides += 1
    if response is not None:
        body = response.body
        if not isinstance(body, dict):
            return False
        if "predictions" in body or "outputs" in body or v1_outputs(body):
            sides += 1
        elif error_text(body) is None or request is None:  # an error alone says nothing of the batch
            return False
    return sides > 0


def error_text(body: Any) -> str | None:
    """The error a response body reports instead of predictions (``{"error": "..."}``, what
    KServe's Python server answers a failure with, sent with HTTP 200 by a server of one's own:
    the agent logs a response only for 200, v0.20.0 ``pkg/logger/handler.go``): its text (JSON
    text when not a string), else None. A body with ``predictions`` or ``outputs`` is no error."""
    if (not isinstance(body, dict) or "error" not in body or "predictions" in body or "outputs" in body
            or body["error"] is None):
        return None
    error = body["error"]
    return error if isinstance(error, str) else json_text(error)


def _whole_side(request: Event | None, response: Event | None) -> str | None:
    """For a half (one side without the other): the JSON text of that side of a TensorFlow Serving
    columnar pair, whole (:func:`_whole`: the row :func:`join` makes of such a pair whose sides have
    different row counts), else None. The half's rows do not say which form its body had
    (``instances`` and columnar ``inputs`` make the same rows), so
    :func:`~ctloop.inference_log.reader.merge_halves` joins two halves with this instead. A half
    whose own rows give its side back (an unbatched v2 request, a one-row v2 response) carries only
    :data:`WHOLE_ROWS` (review revC #4)."""
    if (request is None) == (response is None):
        return None
    body = (request or response).body
    if not isinstance(body, dict):
        return None
    if request is not None:
        if "inputs" in body and v1_inputs(body):
            return json_text(_whole(body["inputs"], "f0"))
        if _unbatched(body) and any(len(t["data"]) > 1 for t in body["inputs"]):
            return _rows_marker(body["inputs"])
        return None
    if v1_outputs(body):
        return json_text(_whole(body["outputs"], "prediction", "prediction_"))
    return WHOLE_ROWS if _one_answer(body) else None  # its one row (instance 0) is the side whole


# ``_whole`` of a half whose own rows hold its side whole (review revC #4: a copy of every one-row v2
# response and 1-D v2 request cost +79% storage): an unbatched v2 request's rows in instance order,
# a one-row v2 response's instance-0 prediction columns. The reader rebuilds the side from them.
WHOLE_ROWS = json_text("rows")


def _rows_marker(inputs: list[dict[str, Any]]) -> str:
    """``_whole`` of an unbatched v2 request half: :data:`WHOLE_ROWS` when its rows in instance order
    give each input back as sent; ``["rows", name, …]`` when they do so once the named inputs' numbers
    are read as integers (a number column is ``double``: ``101`` is stored ``101.0``); else the copy
    of every input (review revH2 #2, #3). The rows cannot give back inputs of different lengths (the
    shorter ones would come back padded with nulls) nor an input mixing integers with other numbers
    or holding an integer a double cannot hold."""
    if len({len(t["data"]) for t in inputs}) == 1:
        ints = []
        for t in inputs:
            kinds = {_number_kind(v) for v in t["data"]} - {None}
            if "other" in kinds or kinds == {"int", "float"}:
                break
            if kinds == {"int"}:
                ints.append(feature_column(str(t.get("name", "value"))))
        else:
            return json_text(["rows", *ints]) if ints else WHOLE_ROWS
    return json_text({str(t.get("name", "value")): t["data"] for t in inputs})


def _number_kind(value: Any) -> str | None:
    """``"int"``, ``"float"``, ``"other"`` (an integer beyond 2**53: its double is not it), or None
    (not a number: a bool, a string, null)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float):
        return "float"
    return "int" if abs(value) <= 2**53 else "other"


def whole_inputs(request: Any, response: Any) -> bool:
    """Whether :func:`join` makes the pair of these bodies one row holding a side whole where the
    halves alone make rows of their own: each 1-D v2 input of an unbatched sequence answered by one
    row (the request alone: a row per token), or both sides of a TensorFlow Serving columnar pair
    whose sides have different row counts (each alone: its own rows)."""
    if not (isinstance(request, dict) and isinstance(response, dict)):
        return False
    if "inputs" in request and v1_inputs(request) and v1_outputs(response):
        rows, answers = _v1_rows(request["inputs"]), _predictions(response)
        return isinstance(rows, list) and isinstance(answers, list) and len(rows) != len(answers)
    return _unbatched(request) and any(len(t["data"]) > 1 for t in request["inputs"]) and _one_answer(response)


def _unbatched(body: dict[str, Any]) -> bool:
    """Whether a request's ``inputs`` are v2 tensors, every one 1-D (shape ``[n]``, flat data): the
    batch dimension or a sequence of one instance — only the response can tell (:func:`join`)."""
    inputs = body.get("inputs")
    return (isinstance(inputs, list) and bool(inputs) and not v1_inputs(body)
            and all(isinstance(t, dict) and isinstance(t.get("data"), list)
                    and len(t.get("shape") or [len(t["data"])]) == 1
                    and not (t["data"] and isinstance(t["data"][0], list)) for t in inputs))


def _one_answer(body: dict[str, Any]) -> bool:
    """Whether a response's ``outputs`` are v2 tensors making one row (every ``shape[0]`` 1)."""
    outputs = body.get("outputs")
    if not (isinstance(outputs, list) and outputs and "predictions" not in body and not v1_outputs(body)):
        return False
    try:
        return all(_tensor_width(t, "'outputs'")[0] == 1 for t in outputs)
    except PayloadError:
        return False


__all__ = ["error_text", "clock_offset", "EMPTY_BODY", "kserve_get_answer", "NO_INSTANCE", "WINDOWS_1252_LABELS", "windows_1252", "CONTENT_CODINGS", "MAX_GZIP_MEMBERS", "WHOLE_ROWS", "Event", "feature_column", "feature_sources", "RejectedEvent", "TooManyValues", "count_values", "PayloadError", "PairMismatch", "check_pair", "parse_event", "check_payload", "check_depth", "decode_header",
           "from_kserve_agent", "agent_value", "KSERVE_AGENT_ATTRIBUTES",
           "join", "request_rows", "MAX_DEPTH", "MAX_BODY_BYTES", "STRUCTURED",
           "response_rows", "revision_from_source", "row_revision", "path_safe", "metadata_columns",
           "annotated_model_version", "MODEL_VERSION_ANNOTATION", "INFERENCE_ID", "inference_id", "KEY_CONTROL", "KEY_CONTROLS", "KEY_MAX_BYTES", "header_key_column", "key_fault", "unloggable_keys", "v1_inputs", "inference_body", "whole_inputs"]
