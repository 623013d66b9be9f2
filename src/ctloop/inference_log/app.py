"""The ASGI app of the inference log sink (plain ASGI, no framework on the hot path).

``POST /`` a binary-mode CloudEvent → 200 once durable (write-ahead; KServe's logger treats any
other status as an error), 4xx with a JSON reason when malformed (400) or oversize (413), 503
with the reason once the sink has failed (it can no longer make events durable); rejections are
counted under a fixed set of reason labels; ``GET /metrics`` Prometheus text; ``/healthz`` and
``/readyz``: 200 ``{"status":"ok"}``, or 503 ``{"status":"failed","reason":…}`` once the sink has
failed (``/readyz`` also 503 ``draining`` during shutdown); anything else 404 (405 for a wrong
method).

The app is a bare ASGI callable rather than a Starlette app: at several thousand events per
second on two cores every microsecond per request counts, and a router, a Request object and a
Response class per event cost about a fifth of the sink's CPU (benchmarks/bench_logger_load.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

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


class SinkApp:
    """ASGI application around a :class:`Sink` (lifespan starts and drains it)."""

    def __init__(self, sink: Sink, max_body_bytes: int = 1 << 20):
        self.sink = sink
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path, method = scope["path"], scope["method"]
            if path == "/":
                if method != "POST":
                    await _answer(send, 405, _error("POST CloudEvents to /"), _JSON)
                    return
                await self._ingest(scope, receive, send)
            elif path == "/metrics" and method in ("GET", "HEAD"):
                await _answer(send, 200, self.sink.metrics_text().encode(), _TEXT)
            elif path in ("/healthz", "/readyz") and method in ("GET", "HEAD"):
                await self._health(send, ready=path == "/readyz")
            else:
                await _answer(send, 404, _error(f"no route {method} {path}"))
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _health(self, send: Send, ready: bool) -> None:
        failure = self.sink.failure
        if failure is not None:
            await _answer(send, 503, json.dumps({"status": "failed", "reason": failure}).encode())
        elif ready and self.sink.closing:
            await _answer(send, 503, b'{"status":"draining"}')
        else:
            await _answer(send, 200, b'{"status":"ok"}')

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

    async def _ingest(self, scope: Scope, receive: Receive, send: Send) -> None:
        sink, limit = self.sink, self.max_body_bytes
        sink.stats.received += 1
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
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
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                sink.stats.reject("oversize")
                await _answer(send, 413, _error(f"body of more than {limit} bytes exceeds the limit of {limit}"))
                return
        try:
            event = parse_event(headers, body)
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
        await _answer(send, 200, b'{"accepted":%s,"kind":"%s"}' % (json.dumps(event.id).encode(), event.kind.encode()))


def create_app(sink: Sink, max_body_bytes: int = 1 << 20) -> SinkApp:
    return SinkApp(sink, max_body_bytes=max_body_bytes)


def app_from_env() -> SinkApp:
    """uvicorn factory (``ctloop.inference_log.app:app_from_env``) configured by CTLOOP_LOG_* env."""
    sink = Sink(os.environ["CTLOOP_LOG_ROOT"], os.environ.get("CTLOOP_LOG_WAL", "/var/lib/ctloop-log/wal"),
                flush_rows=int(os.environ.get("CTLOOP_LOG_FLUSH_ROWS", "20000")),
                flush_seconds=float(os.environ.get("CTLOOP_LOG_FLUSH_SECONDS", "5")),
                join_ttl_seconds=float(os.environ.get("CTLOOP_LOG_JOIN_TTL_SECONDS", "30")))
    return create_app(sink, max_body_bytes=int(os.environ.get("CTLOOP_LOG_MAX_BODY_BYTES", str(1 << 20))))
