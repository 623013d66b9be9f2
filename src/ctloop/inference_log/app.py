"""The ASGI app of the inference log sink (plain ASGI, no framework on the hot path).

``POST /`` a CloudEvent (binary or structured mode) → 200 once durable (write-ahead; KServe's
logger treats any other status as an error), 4xx with a JSON reason when malformed (400),
unauthorised (401), oversize (413), batched or of another coding (415: ``Content-Encoding`` other than
``identity``, ``gzip``/``x-gzip`` or ``deflate``, which are decoded; KServe's agent sends none), 503 with the reason once the sink has failed
(it can no longer make events durable); rejections are counted under a fixed set of reason labels.
A POST to any other path than the sink's own endpoints (:data:`OWN_PATHS`) is the same ingest:
KServe's agent posts to ``logger.url`` exactly as configured (``http://sink.ns/ingest``).
``GET /metrics`` Prometheus text; ``/healthz`` and ``/readyz``: 200 ``{"status":"ok"|"degraded",
…}``, or 503 ``{"status":"failed","reason":…}`` once the sink has failed (``/readyz`` also 503
``draining`` during shutdown); anything else 404 (405 for a method other than POST on an ingest
path).

Access (:class:`Access`): with a token, ingest POSTs and ``/metrics`` need ``Authorization: Bearer
<token>`` (compared in constant time), except on the *agent port*: KServe's agent cannot send a
header of its own, so it posts to a port that asks for no token and that a NetworkPolicy opens to
the predictor pods only. With a metrics port, ``/metrics`` is served there only (a NetworkPolicy
opens it to Prometheus). Health checks are open on every port (kubelet probes).

The app is a bare ASGI callable rather than a Starlette app: at several thousand events per
second on two cores every microsecond per request counts, and a router, a Request object and a
Response class per event cost about a fifth of the sink's CPU (benchmarks/bench_logger_load.py).
For the same reason ``ctloop logger serve`` does not go through ASGI at all: the sink's own HTTP
protocol (:mod:`ctloop.inference_log.protocol`) calls the same three steps the ASGI interface does
(:meth:`SinkApp.answer_head`, :meth:`SinkApp.ingest`, :meth:`SinkApp.acknowledged`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from ctloop.errors import ConfigError
from ctloop.inference_log.defaults import (
    CLOCK_SKEW_SECONDS,
    SINK_SETTINGS,
    TOKEN_RECHECK_SECONDS,
    WAL_DIR,
    max_values,
)
from ctloop.inference_log.events import (
    CONTENT_CODINGS,
    MAX_BODY_BYTES,
    Event,
    RejectedEvent,
    TooManyValues,
    clock_offset,
    parse_event,
)
from ctloop.inference_log.settings import check_local_dir, check_number, variable
from ctloop.inference_log.sink import Sink, SinkUnavailable

log = logging.getLogger("ctloop.inference_log")
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_JSON = [(b"content-type", b"application/json")]
_TEXT = [(b"content-type", b"text/plain; version=0.0.4; charset=utf-8")]


async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] = _JSON) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _error(reason: str) -> bytes:
    return json.dumps({"error": reason}).encode()


_UNAUTHORIZED = [*_JSON, (b"www-authenticate", b'Bearer realm="ctloop-inference-log"')]
# the request headers the app reads
WANTED = (b"ce-", b"content-type", b"content-length", b"content-encoding", b"authorization")
OWN_PATHS = frozenset(("/healthz", "/readyz", "/metrics"))  # every other path is an ingest path
_IDENTITY = [*_JSON, (b"accept-encoding", b"gzip, deflate, identity")]  # the codings read (RFC 9110 §12.5.3)


def read_token(path: str) -> bytes:
    """The bearer token in ``path`` (a mounted Secret key), surrounding whitespace removed."""
    try:
        token = Path(path).read_bytes().removeprefix(b"\xef\xbb\xbf").strip()  # an editor's BOM is no part of it
    except OSError as exc:
        raise ConfigError(f"--token-file {path!r} cannot be read: {exc.strerror}: mount the Secret key there "
                          "or leave --token-file out") from exc
    if not token:
        raise ConfigError(f"--token-file {path!r} is empty: put the token in it or leave --token-file out")
    bad = next((at for at, byte in enumerate(token) if byte <= 0x20 or byte == 0x7f), None)
    if bad is not None:  # no client can send it as a bearer token: every ingest would be refused (401)
        what = "a blank" if token[bad] == 0x20 else "a control character"
        raise ConfigError(f"--token-file {path!r} holds {what} (byte 0x{token[bad]:02x} at offset {bad}), which "
                          "no bearer token (RFC 6750) can carry: put the token on one line")
    return token


@dataclass
class Access:
    """Who may do what on which port (see the module docstring). ``token_file`` is re-read
    when it changes (a rotated Secret), checked at most every ``recheck_seconds`` (``logger serve
    --token-recheck-seconds``)."""

    token_file: str | None = None
    agent_ports: frozenset[int] = frozenset()
    metrics_port: int | None = None
    recheck_seconds: float = TOKEN_RECHECK_SECONDS
    _digest: bytes | None = field(default=None, repr=False)
    _mtime: float = field(default=0.0, repr=False)
    _checked: float = field(default=0.0, repr=False)
    _refused: float = field(default=0.0, repr=False)  # the mtime of a token file refused at a rotation

    def __post_init__(self) -> None:
        if self.token_file:
            self._load()

    def _load(self) -> None:
        token = read_token(self.token_file)  # ConfigError naming the flag when missing or empty
        self._mtime = os.stat(self.token_file).st_mtime
        self._digest = hashlib.sha256(token).digest()

    def _current(self) -> bytes | None:
        now = time.monotonic()
        if self.token_file and now - self._checked > self.recheck_seconds:
            self._checked = now
            try:
                mtime = os.stat(self.token_file).st_mtime
                if mtime != self._mtime:
                    self._load()
            except OSError:  # mid-rotation (the Secret's symlink swapped): keep the token we have
                pass
            except ConfigError as exc:  # a new file that is no token: keep ours, say so once per version
                if mtime != self._refused and not isinstance(exc.__cause__, OSError):  # (gone mid-rotation: quiet)
                    self._refused = mtime
                    log.warning("token file not reloaded, the previous token stays in force: %s", exc)
        return self._digest

    def allowed(self, port: int | None, authorization: str | None) -> bool:
        """Whether a request on ``port`` with this ``Authorization`` header may ingest or scrape."""
        digest = self._current()
        if digest is None or port in self.agent_ports:
            return True
        if not authorization or not authorization[:7].lower() == "bearer ":
            return False
        given = hashlib.sha256(authorization[7:].strip().encode("latin-1")).digest()
        return hmac.compare_digest(given, digest)  # equal-length digests: constant time


class Answer(NamedTuple):
    """An HTTP answer: status, body, headers (``content-length`` is added by whoever sends it)."""

    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]] = _JSON


class Pending(NamedTuple):
    """An accepted event waiting for its commit: :meth:`SinkApp.acknowledged` turns ``durable``
    (done) into the answer."""

    durable: asyncio.Future
    event: Event


def json_answer(status: int, reason: str, headers: list[tuple[bytes, bytes]] = _JSON) -> Answer:
    """``{"error": reason}`` with ``status``."""
    return Answer(status, _error(reason), headers)


class SinkApp:
    """ASGI application around a :class:`Sink` (lifespan starts and drains it).

    What to answer is decided by three transport-free steps, shared by the ASGI interface (tests,
    any ASGI server) and the sink's own HTTP protocol (:mod:`ctloop.inference_log.protocol`, what
    ``ctloop logger serve`` runs): :meth:`answer_head` (everything the request line and headers
    decide), :meth:`ingest` (an ingest POST body: a rejection or a :class:`Pending` commit) and
    :meth:`acknowledged` (the 200 or 503 once the commit is done)."""

    def __init__(self, sink: Sink, max_body_bytes: int = MAX_BODY_BYTES, access: Access | None = None):
        self.sink = sink
        self.max_body_bytes = max_body_bytes
        self.access = access or Access()
        self._grpc_logged = False  # the first gRPC event refused is logged, the others only counted

    def answer_head(self, method: str, path: str, port: int | None, headers: dict[str, str]) -> Answer | None:
        """The answer decided by the request line and the headers (``headers``: lowercase names of
        :data:`WANTED` only), or None for an ingest POST whose body is wanted."""
        access = self.access
        if path in ("/healthz", "/readyz") and method in ("GET", "HEAD"):
            return self._health(ready=path == "/readyz")
        if access.metrics_port is not None and port == access.metrics_port:
            if path == "/metrics" and method in ("GET", "HEAD"):
                return self._metrics(port, headers.get("authorization"))
            return json_answer(404, f"no route {method} {path} on the metrics port")
        if path not in OWN_PATHS:
            if method != "POST":
                return json_answer(405, f"POST CloudEvents to {path} (any path but {', '.join(sorted(OWN_PATHS))})")
            sink, limit = self.sink, self.max_body_bytes
            sink.stats.received += 1
            if not access.allowed(port, headers.get("authorization")):
                sink.stats.reject("unauthorized")
                return json_answer(401, "this port needs 'Authorization: Bearer <token>' (KServe's agent posts to "
                                         "the agent port, which needs none)", _UNAUTHORIZED)
            encoding = headers.get("content-encoding")
            if encoding is not None and encoding.strip().lower() not in ("", "identity", *CONTENT_CODINGS):
                sink.stats.reject("unsupported_media")  # gzip/deflate: decoded as the same bytes without it
                return json_answer(415, f"content-encoding {encoding[:64]!r} is not supported: send the body "
                                         "uncompressed (KServe's agent does), gzip or deflate", _IDENTITY)
            length = headers.get("content-length")
            if length is not None:
                if not length.isdigit():
                    sink.stats.reject("bad_header")
                    return json_answer(400, f"content-length {length!r} is not a number")
                if int(length) > limit:
                    return self.oversize(headers, f"{length} bytes")
            return None
        if path == "/metrics" and method in ("GET", "HEAD") and access.metrics_port is None \
                and port not in access.agent_ports:
            return self._metrics(port, headers.get("authorization"))
        return json_answer(404, f"no route {method} {path}")

    def oversize(self, headers: dict[str, str], size: str | None = None) -> Answer:
        """413 for an ingest body over the limit (``size``: ``"N bytes"`` when the Content-Length
        said so, else the body was cut off once past the limit): counted, and logged with the
        event's id, its size, the limit and the setting that raises it, since KServe's agent
        neither retries nor tells anyone (it logs the status at info level in the predictor pod)."""
        self.sink.stats.reject("oversize")
        limit = self.max_body_bytes
        size = size or f"more than {limit} bytes"
        log.warning("refused event %s (%s, %s): body of %s exceeds the limit of %d bytes; raise it with "
                    "--max-body-bytes (CTLOOP_LOG_MAX_BODY_BYTES)", headers.get("ce-id", "(no ce-id)")[:128],
                    headers.get("ce-type", "no ce-type")[:80], headers.get("ce-inferenceservicename", "")[:64] or
                    "no ce-inferenceservicename", size, limit)
        return json_answer(413, f"body of {size} exceeds the limit of {limit} (raise it with --max-body-bytes or "
                                "CTLOOP_LOG_MAX_BODY_BYTES)")

    def ingest(self, headers: dict[str, str], body: bytes) -> Answer | Pending:
        """An ingest POST body that passed :meth:`answer_head`: parsed, validated and handed to the
        sink's next commit (:class:`Pending`), or the 4xx/503 answer."""
        try:
            # header names are lowercase; the values cap is checked before the write-ahead log
            event = parse_event(headers, body, lowercase=True, max_values=max_values(self.max_body_bytes))
        except RejectedEvent as exc:
            self.sink.stats.reject(exc.code)
            if exc.code == "grpc":  # every call of a gRPC model: one line, then the counter only
                if not self._grpc_logged:
                    self._grpc_logged = True
                    log.warning("refused event %s: %s (further gRPC events are counted in "
                                "ctloop_log_events_rejected_total{reason=\"grpc\"}, not logged)",
                                exc.event_id[:128], exc.reason)
            elif isinstance(exc, TooManyValues):
                log.warning("refused event %s (model %s): %s", exc.event_id[:128], exc.model, exc.reason)
            elif exc.event_id is not None:  # binary tensor data that does not add up: worth a line
                log.warning("refused event %s: %s", exc.event_id[:128], exc.reason)
            return json_answer(exc.status, exc.reason)
        # a live event only (an import's or a requeue's were sent long ago): its producer's clock against ours
        offset = clock_offset(event, time.time())
        if offset is not None and abs(offset) > CLOCK_SKEW_SECONDS:
            self.sink.note_clock_skew(event, offset)
        try:
            return Pending(self.sink.submit(event), event)
        except SinkUnavailable as exc:
            return self._unavailable(exc)

    def acknowledged(self, pending: Pending) -> Answer:
        """The answer to a :class:`Pending` event once its commit is done: 200 when durable."""
        exc = pending.durable.exception()
        if exc is not None:
            if isinstance(exc, SinkUnavailable):
                return self._unavailable(exc)
            raise exc
        self.sink.stats.accepted += 1
        event = pending.event
        return Answer(200, b'{"accepted":%s,"kind":"%s"}' % (orjson.dumps(event.id), event.kind.encode()))

    def _unavailable(self, exc: SinkUnavailable) -> Answer:
        self.sink.stats.unavailable += 1
        return json_answer(503, f"the inference log sink cannot store events: {exc}")

    def _metrics(self, port: int | None, authorization: str | None) -> Answer:
        if not self.access.allowed(port, authorization):
            return json_answer(401, "/metrics needs 'Authorization: Bearer <token>'", _UNAUTHORIZED)
        return Answer(200, self.sink.metrics_text().encode(), _TEXT)

    def _health(self, ready: bool) -> Answer:
        health = self.sink.health()
        if health["status"] == "failed":
            return Answer(503, json.dumps(health).encode())
        if ready and self.sink.closing:
            return Answer(503, b'{"status":"draining"}')
        return Answer(200, json.dumps(health).encode())

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            server = scope.get("server")
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if k.startswith(WANTED)}
            answer = self.answer_head(scope["method"], scope["path"], server[1] if server else None, headers)
            if answer is None:
                body = await self._body(receive)
                if body is None:  # the client went away
                    return
                answer = self.oversize(headers) if len(body) > self.max_body_bytes else self.ingest(headers, body)
                if isinstance(answer, Pending):
                    try:
                        await answer.durable
                    except SinkUnavailable:
                        pass
                    answer = self.acknowledged(answer)
            await _answer(send, *answer)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _body(self, receive: Receive) -> bytes | None:
        """The request body, read until done or past the limit; None on a disconnect."""
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body = message.get("body", b"")
        if message.get("more_body", False):
            chunks = [body]
            size = len(body)
            while message.get("more_body", False):
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if size > self.max_body_bytes:
                    break
            body = b"".join(chunks)
        return body

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.sink.start()
                except Exception as exc:  # noqa: BLE001 - reported to the server, which exits
                    await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await self.sink.stop()
                except Exception as exc:  # noqa: BLE001
                    await send({"type": "lifespan.shutdown.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(sink: Sink, max_body_bytes: int = MAX_BODY_BYTES, access: Access | None = None) -> SinkApp:
    return SinkApp(sink, max_body_bytes=max_body_bytes, access=access)


def settings_from_env(env: dict[str, str] | None = None) -> dict[str, Any]:
    """The sink's settings from ``CTLOOP_LOG_*`` variables (each one missing: its default), checked
    as ``logger serve`` checks its flags (:mod:`ctloop.inference_log.settings`, the bounds of
    :data:`~ctloop.inference_log.defaults.SINK_SETTINGS`); a malformed value is a
    :class:`ConfigError` naming the variable and the value."""
    from ctloop.storage import parse

    env = os.environ if env is None else env
    root = env.get("CTLOOP_LOG_ROOT", "")
    if not root.strip() or "$(" in root:
        raise ConfigError(f"CTLOOP_LOG_ROOT {root!r} is not a Parquet root: set it to a local path or "
                          "gs://, s3://, az:// URI")
    settings: dict[str, Any] = {"root": root, "wal_dir": env.get("CTLOOP_LOG_WAL", WAL_DIR)}
    for name, setting in SINK_SETTINGS.items():
        if not setting.variable:
            continue
        text = env.get(variable(name))
        settings[name] = setting.default if text is None else check_number(name, text, f"{variable(name)}={text!r}")
    check_local_dir("CTLOOP_LOG_WAL", settings["wal_dir"])
    parsed = parse(root)  # an unsupported scheme is one ConfigError line
    if parsed.scheme == "file":
        check_local_dir("CTLOOP_LOG_ROOT", parsed.key)
    return settings


def app_from_env() -> SinkApp:
    """uvicorn factory (``ctloop.inference_log.app:app_from_env``) configured by CTLOOP_LOG_* env
    (:func:`settings_from_env`). A malformed setting: one line on stderr naming the variable and
    its value, and the process exits 2 (as ``ctloop`` does for a bad flag), before anything is
    written."""
    import sys

    try:
        settings = settings_from_env()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None
    max_body_bytes = settings.pop("max_body_bytes")
    return create_app(Sink(**settings, max_values=max_values(max_body_bytes)), max_body_bytes=max_body_bytes)
