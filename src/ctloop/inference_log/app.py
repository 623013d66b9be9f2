"""The ASGI app of the inference log sink (starlette).

``POST /`` a binary-mode CloudEvent → 200 once durable (write-ahead; KServe's logger treats any
other status as an error), 4xx with a JSON reason when malformed (400) or oversize (413);
rejections are counted under a fixed set of reason labels; ``GET /metrics`` Prometheus text;
``/healthz`` and ``/readyz``.
"""

from __future__ import annotations

import contextlib
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from ctloop.inference_log.events import RejectedEvent, parse_event
from ctloop.inference_log.sink import Sink


def create_app(sink: Sink, max_body_bytes: int = 1 << 20) -> Starlette:
    async def ingest(request: Request):
        sink.stats.received += 1
        length = request.headers.get("content-length")
        if length and not length.isdigit():
            sink.stats.reject("bad_header")
            return JSONResponse({"error": f"content-length {length!r} is not a number"}, 400)
        if length and int(length) > max_body_bytes:
            sink.stats.reject("oversize")
            return JSONResponse({"error": f"body of {length} bytes exceeds the limit of {max_body_bytes}"}, 413)
        body = await request.body()
        if len(body) > max_body_bytes:
            sink.stats.reject("oversize")
            return JSONResponse({"error": f"body of {len(body)} bytes exceeds the limit of {max_body_bytes}"}, 413)
        try:
            event = parse_event(dict(request.headers), body)
        except RejectedEvent as exc:
            sink.stats.reject(exc.code)
            return JSONResponse({"error": exc.reason}, exc.status)
        await sink.accept(event)
        return JSONResponse({"accepted": event.id, "kind": event.kind}, 200)

    async def metrics(_request: Request):
        return PlainTextResponse(sink.metrics_text(), media_type="text/plain; version=0.0.4")

    async def healthz(_request: Request):
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        await sink.start()
        try:
            yield
        finally:
            await sink.stop()

    return Starlette(routes=[Route("/", ingest, methods=["POST"]), Route("/metrics", metrics),
                             Route("/healthz", healthz), Route("/readyz", healthz)], lifespan=lifespan)


def app_from_env() -> Starlette:
    """uvicorn factory (``ctloop.inference_log.app:app_from_env``) configured by CTLOOP_LOG_* env."""
    sink = Sink(os.environ["CTLOOP_LOG_ROOT"], os.environ.get("CTLOOP_LOG_WAL", "/var/lib/ctloop-log/wal"),
                flush_rows=int(os.environ.get("CTLOOP_LOG_FLUSH_ROWS", "20000")),
                flush_seconds=float(os.environ.get("CTLOOP_LOG_FLUSH_SECONDS", "5")),
                join_ttl_seconds=float(os.environ.get("CTLOOP_LOG_JOIN_TTL_SECONDS", "30")))
    return create_app(sink, max_body_bytes=int(os.environ.get("CTLOOP_LOG_MAX_BODY_BYTES", str(1 << 20))))
