"""The ASGI app of the inference log sink (plain ASGI, no framework on the hot path).

``POST /`` a CloudEvent (binary or structured mode) → 200 once durable (write-ahead; KServe's
logger treats any other status as an error), 4xx with a JSON reason when malformed (400),
unauthorised (401), oversize (413) or batched (415), 503 with the reason once the sink has failed
(it can no longer make events durable); rejections are counted under a fixed set of reason labels;
``GET /metrics`` Prometheus text; ``/healthz`` and ``/readyz``: 200 ``{"status":"ok"|"degraded",
…}``, or 503 ``{"status":"failed","reason":…}`` once the sink has failed (``/readyz`` also 503
``draining`` during shutdown); anything else 404 (405 for a wrong method).

Access (:class:`Access`): with a token, ``POST /`` and ``/metrics`` need ``Authorization: Bearer
<token>`` (compared in constant time), except on the *agent port*: KServe's agent cannot send a
header of its own, so it posts to a port that asks for no token and that a NetworkPolicy opens to
the predictor pods only. With a metrics port, ``/metrics`` is served there only (a NetworkPolicy
opens it to Prometheus). Health checks are open on every port (kubelet probes).

The app is a bare ASGI callable rather than a Starlette app: at several thousand events per
second on two cores every microsecond per request counts, and a router, a Request object and a
Response class per event cost about a fifth of the sink's CPU (benchmarks/bench_logger_load.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ctloop.errors import ConfigError
from ctloop.inference_log.events import RejectedEvent, parse_event
from ctloop.inference_log.sink import Sink, SinkUnavailable

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
_WANTED = (b"ce-", b"content-type", b"content-length", b"authorization")


def read_token(path: str) -> bytes:
    """The bearer token in ``path`` (a mounted Secret key), surrounding whitespace removed."""
    try:
        token = Path(path).read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"--token-file {path!r} cannot be read: {exc.strerror}: mount the Secret key there "
                          "or leave --token-file out") from exc
    if not token:
        raise ConfigError(f"--token-file {path!r} is empty: put the token in it or leave --token-file out")
    return token


@dataclass
class Access:
    """Who may do what on which port (see the module docstring). ``token_file`` is re-read
    when it changes (a rotated Secret), checked at most every ``recheck_seconds``."""

    token_file: str | None = None
    agent_ports: frozenset[int] = frozenset()
    metrics_port: int | None = None
    recheck_seconds: float = 5.0
    _digest: bytes | None = field(default=None, repr=False)
    _mtime: float = field(default=0.0, repr=False)
    _checked: float = field(default=0.0, repr=False)

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
                if os.stat(self.token_file).st_mtime != self._mtime:
                    self._load()
            except (OSError, ConfigError):  # mid-rotation: keep the token we have
                pass
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


class SinkApp:
    """ASGI application around a :class:`Sink` (lifespan starts and drains it)."""

    def __init__(self, sink: Sink, max_body_bytes: int = 1 << 20, access: Access | None = None):
        self.sink = sink
        self.max_body_bytes = max_body_bytes
        self.access = access or Access()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path, method = scope["path"], scope["method"]
            access = self.access
            server = scope.get("server")
            port = server[1] if server else None
            if path in ("/healthz", "/readyz") and method in ("GET", "HEAD"):
                await self._health(send, ready=path == "/readyz")
            elif access.metrics_port is not None and port == access.metrics_port:
                if path == "/metrics" and method in ("GET", "HEAD"):
                    await self._metrics(scope, send, port)
                else:
                    await _answer(send, 404, _error(f"no route {method} {path} on the metrics port"))
            elif path == "/":
                if method != "POST":
                    await _answer(send, 405, _error("POST CloudEvents to /"), _JSON)
                    return
                await self._ingest(scope, receive, send, port)
            elif (path == "/metrics" and method in ("GET", "HEAD") and access.metrics_port is None
                  and port not in access.agent_ports):
                await self._metrics(scope, send, port)
            else:
                await _answer(send, 404, _error(f"no route {method} {path}"))
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _metrics(self, scope: Scope, send: Send, port: int | None) -> None:
        if not self.access.allowed(port, _header(scope, b"authorization")):
            await _answer(send, 401, _error("/metrics needs 'Authorization: Bearer <token>'"), _UNAUTHORIZED)
            return
        await _answer(send, 200, self.sink.metrics_text().encode(), _TEXT)

    async def _health(self, send: Send, ready: bool) -> None:
        health = self.sink.health()
        if health["status"] == "failed":
            await _answer(send, 503, json.dumps(health).encode())
        elif ready and self.sink.closing:
            await _answer(send, 503, b'{"status":"draining"}')
        else:
            await _answer(send, 200, json.dumps(health).encode())

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

    async def _ingest(self, scope: Scope, receive: Receive, send: Send, port: int | None) -> None:
        sink, limit = self.sink, self.max_body_bytes
        sink.stats.received += 1
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if k.startswith(_WANTED)}
        if not self.access.allowed(port, headers.get("authorization")):
            sink.stats.reject("unauthorized")
            await _answer(send, 401, _error("this port needs 'Authorization: Bearer <token>' (KServe's agent posts "
                                            "to the agent port, which needs none)"), _UNAUTHORIZED)
            return
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                sink.stats.reject("bad_header")
                await _answer(send, 400, _error(f"content-length {length!r} is not a number"))
                return
            if int(length) > limit:
                sink.stats.reject("oversize")
                await _answer(send, 413, _error(f"body of {length} bytes exceeds the limit of {limit}"))
                return
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body = message.get("body", b"")
        if message.get("more_body", False):
            chunks = [body]
            size = len(body)
            while message.get("more_body", False):
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if size > limit:
                    break
            body = b"".join(chunks)
        if len(body) > limit:
            sink.stats.reject("oversize")
            await _answer(send, 413, _error(f"body of more than {limit} bytes exceeds the limit of {limit}"))
            return
        try:
            event = parse_event(headers, body, lowercase=True)  # ASGI header names are lowercase
        except RejectedEvent as exc:
            sink.stats.reject(exc.code)
            await _answer(send, exc.status, _error(exc.reason))
            return
        try:
            await sink.accept(event)
        except SinkUnavailable as exc:
            sink.stats.unavailable += 1
            await _answer(send, 503, _error(f"the inference log sink cannot store events: {exc}"))
            return
        body = b'{"accepted":%s,"kind":"%s"}' % (orjson.dumps(event.id), event.kind.encode())
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*_JSON, (b"content-length", b"%d" % len(body))]})
        await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def create_app(sink: Sink, max_body_bytes: int = 1 << 20, access: Access | None = None) -> SinkApp:
    return SinkApp(sink, max_body_bytes=max_body_bytes, access=access)


def app_from_env() -> SinkApp:
    """uvicorn factory (``ctloop.inference_log.app:app_from_env``) configured by CTLOOP_LOG_* env."""
    sink = Sink(os.environ["CTLOOP_LOG_ROOT"], os.environ.get("CTLOOP_LOG_WAL", "/var/lib/ctloop-log/wal"),
                flush_rows=int(os.environ.get("CTLOOP_LOG_FLUSH_ROWS", "20000")),
                flush_seconds=float(os.environ.get("CTLOOP_LOG_FLUSH_SECONDS", "5")),
                join_ttl_seconds=float(os.environ.get("CTLOOP_LOG_JOIN_TTL_SECONDS", "30")))
    return create_app(sink, max_body_bytes=int(os.environ.get("CTLOOP_LOG_MAX_BODY_BYTES", str(1 << 20))))
