"""The ASGI app of the inference log sink (starlette).

* ``POST /`` — one binary-mode CloudEvent from KServe's payload logger. ``200 {"accepted": id}``
  once the event is fsynced in the write-ahead log (200, not 202: KServe's agent logs every
  other status as an error, ``pkg/logger/worker.go``); ``400`` with ``{"error", "reason"}`` for a
  missing ``ce-*`` header, an unknown ``ce-type``, a body that is not JSON or not a v1/v2
  payload; ``413`` over ``max_body_bytes``; ``503`` while starting/stopping or if the WAL disk
  fails (nothing acknowledged).
* ``GET /metrics`` — Prometheus text; ``GET /healthz`` (process alive); ``GET /readyz`` (WAL
  open and not shutting down).
"""

from __future__ import annotations

import contextlib
import json
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ctloop.inference_log.events import RejectedEvent, parse_event
from ctloop.inference_log.sink import Sink

DEFAULT_MAX_BODY_BYTES = 1 << 20


class _TooLarge(Exception):
    pass


def _reject(sink: Sink, status: int, reason: str, detail: str) -> JSONResponse:
    sink.stats.reject(reason)
    return JSONResponse({"error": detail, "reason": reason}, status)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge(int(declared))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge(size)
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(sink: Sink, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Starlette:
    """The sink's ASGI app; the lifespan starts (WAL replay) and stops (final flush) ``sink``."""

    async def ingest(request: Request) -> Response:
        sink.stats.received += 1
        if not sink.ready:
            return JSONResponse({"error": "the sink is starting or shutting down"}, 503)
        try:
            body = await _read_body(request, max_body_bytes)
        except _TooLarge as exc:
            return _reject(
                sink,
                413,
                "oversize",
                f"body of {exc.args[0]} bytes exceeds the limit of {max_body_bytes} bytes "
                "(raise --max-body-bytes or send smaller batches)",
            )
        try:
            event = parse_event(request.headers, body)
        except RejectedEvent as exc:
            return _reject(sink, exc.status, exc.reason, exc.detail)
        try:
            await sink.accept(event)
        except OSError as exc:
            return JSONResponse({"error": f"write-ahead log failed: {exc}"}, 503)
        return Response(
            b'{"accepted":%s}' % json.dumps(event.id).encode(), 200, media_type="application/json"
        )

    async def metrics(_request: Request) -> Response:
        return Response(sink.metrics_text(), media_type="text/plain; version=0.0.4")

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        if sink.ready:
            return JSONResponse({"status": "ready", "buffered_rows": sink.buffered_rows})
        return JSONResponse({"status": "not ready"}, 503)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        await sink.start()
        try:
            yield
        finally:
            await sink.stop()

    return Starlette(
        routes=[
            Route("/", ingest, methods=["POST"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def app_from_env() -> Starlette:
    """uvicorn factory kept for ``ctloop.cli.logger`` (reads ``CTLOOP_LOG_*`` when called, never
    at import). New code: ``ctloop.inference_log.cli`` builds the app from its options."""
    env = os.environ
    sink = Sink(
        env["CTLOOP_LOG_ROOT"],
        env.get("CTLOOP_LOG_WAL", "/var/lib/ctloop-log/wal"),
        flush_rows=int(env.get("CTLOOP_LOG_FLUSH_ROWS", "20000")),
        flush_seconds=float(env.get("CTLOOP_LOG_FLUSH_SECONDS", "5")),
        join_ttl_seconds=float(env.get("CTLOOP_LOG_JOIN_TTL_SECONDS", "30")),
    )
    max_body = int(env.get("CTLOOP_LOG_MAX_BODY_BYTES", str(DEFAULT_MAX_BODY_BYTES)))
    return create_app(sink, max_body_bytes=max_body)


__all__ = ["create_app", "app_from_env", "DEFAULT_MAX_BODY_BYTES"]
