"""The sink's own HTTP/1.1 connection protocol on httptools, run by uvicorn (``ctloop logger serve``).

uvicorn's generic protocol builds an ASGI scope, a request-cycle object and a task for every
request, calls back into Python for every header, and writes each answer in two ``send()`` calls
(status line and headers, then the body: two TCP segments on loopback). This protocol parses
with the same C parser (httptools), keeps only the headers the app reads
(:data:`~ctloop.inference_log.app.WANTED`), runs no task per request (the answer is written from
the commit's done-callback) and writes each answer in one ``send()``: side by side with uvicorn's,
the sink's CPU per event went to 0.77× at 16 connections and 0.62× at 64
(benchmarks/bench_logger_load.py, docs/inference-log.md "Throughput"). What to answer
is decided by the app's transport-free steps (:meth:`SinkApp.answer_head`, :meth:`SinkApp.ingest`,
:meth:`SinkApp.acknowledged`), the same code the ASGI interface runs.

uvicorn still owns the listening sockets, signals, the lifespan (the sink's start and final flush)
and the graceful shutdown: it calls :meth:`SinkProtocol.shutdown` on every open connection and
waits until they are closed, each once the answers it owes are written.

HTTP/1.1 as far as the sink needs it: keep-alive (an idle connection is closed after uvicorn's
``timeout_keep_alive``, within twice that), pipelined requests answered in order, chunked request
bodies, ``Expect: 100-continue``, ``Connection: close`` and HTTP/1.0, ``HEAD``. A request that is
not HTTP/1.x (or asks for an upgrade) is answered 400 and the connection closed.
"""

from __future__ import annotations

import asyncio
import functools
import http
import logging
from collections import deque
from typing import Any
from urllib.parse import unquote

import httptools

from ctloop.inference_log.app import WANTED, Answer, Pending, SinkApp, json_answer
from ctloop.inference_log.defaults import MAX_HEAD_BYTES

log = logging.getLogger("ctloop.inference_log")

_STATUS = {s.value: b"HTTP/1.1 %d %s\r\n" % (s.value, s.phrase.encode()) for s in http.HTTPStatus}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
UPGRADE_REFUSED = "protocol upgrades are not supported: POST CloudEvents over HTTP/1.1"
MAX_QUEUED = 32  # answers a connection may owe (pipelined requests) before it is read no further
# bytes a request head may take (defaults.MAX_HEAD_BYTES). httptools has no limit: without one a head
# that never ends was kept in memory as it came, however large
# seconds a request may go without a byte once begun before it is answered 408 and its connection
# closed (a client gone without a FIN, a Content-Length larger than the body): checked with the
# keep-alive timer, so after up to this plus the keep-alive timeout
STALL_SECONDS = 30.0


_NAMES: dict[bytes, str] = {}  # header name as sent -> lowercase name, "" for one the app does not read


def _name(raw: bytes) -> str:
    """A header name as the app knows it (lowercase), or "" for one it does not read. Clients
    send the same few names over and over: they are remembered (up to 512 of them)."""
    low = raw.lower()
    name = low.decode("latin-1") if low.startswith(WANTED) or low == b"expect" else ""
    if len(_NAMES) < 512:
        _NAMES[raw] = name
    return name


def encode(answer: Answer, keep_alive: bool = True, head: bool = False) -> bytes:
    """One HTTP/1.1 answer: status line, headers, ``content-length``, the body (none for HEAD)."""
    status, body, headers = answer
    parts = [_STATUS.get(status) or b"HTTP/1.1 %d \r\n" % status]
    for name, value in headers:
        parts += (name, b": ", value, b"\r\n")
    parts.append(b"content-length: %d\r\n" % len(body) if keep_alive else
                 b"content-length: %d\r\nconnection: close\r\n" % len(body))
    parts.append(b"\r\n")
    if not head:
        parts.append(body)
    return b"".join(parts)


class _Slot:
    """The answer owed to one request, in the order the requests came."""

    __slots__ = ("answer", "keep_alive", "head")

    def __init__(self, keep_alive: bool, head: bool):
        self.answer: Answer | None = None
        self.keep_alive = keep_alive
        self.head = head


class SinkProtocol(asyncio.Protocol):
    """One client connection (see the module docstring). Built by uvicorn with its ``config`` and
    ``server_state``; :meth:`factory` binds the app."""

    @classmethod
    def factory(cls, app: SinkApp) -> functools.partial:
        """What to pass as uvicorn's ``Config(http=...)``."""
        return functools.partial(cls, app=app)

    def __init__(self, config: Any, server_state: Any, app_state: Any = None,
                 _loop: asyncio.AbstractEventLoop | None = None, *, app: SinkApp):
        self.app = app
        self.loop = _loop or asyncio.get_event_loop()
        self.connections = server_state.connections
        self.idle_seconds = float(config.timeout_keep_alive)
        self.limit = app.max_body_bytes
        # httptools looks its callbacks up once, when the parser is made: on_header is the C
        # __setitem__ of a dict emptied per request, not a Python call per header
        self.raw: dict[bytes, bytes] = {}
        self.on_header = self.raw.__setitem__
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.port: int | None = None
        self.answers: deque[_Slot] = deque()
        self.closing = False  # shutdown asked: close once the answers owed are written
        self.broken = False  # no more requests are read (bad request, connection: close)
        self.reading = True
        self.write_paused = False
        self.begun = 0  # requests begun (the idle check looks for progress)
        self.seen = 0
        self.in_request = False
        self.in_head = False  # the request line and headers of a request are being read
        self.head_bytes = 0
        self.timer: asyncio.TimerHandle | None = None
        self.stall_seconds = STALL_SECONDS
        self.last_data = 0.0  # loop time of the last bytes received
        # the request being parsed
        self.url = b""
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []
        self.size = 0
        self.skip = False  # answered from its headers: the body is read and dropped
        self.slot: _Slot | None = None
        self.waiting_continue: _Slot | None = None  # owed "100 Continue" once the answers before it are out

    # ------------------------------------------------------------------ connection
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.connections.add(self)
        self.transport = transport  # type: ignore[assignment]
        self.last_data = self.loop.time()
        sockname = transport.get_extra_info("sockname")
        self.port = sockname[1] if isinstance(sockname, tuple) else None
        self.timer = self.loop.call_later(self.idle_seconds, self._idle_check)

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.discard(self)
        if self.timer is not None:
            self.timer.cancel()
        self.transport = None  # answers still owed are dropped (their events are durable all the same)
        self.answers.clear()

    def data_received(self, data: bytes) -> None:
        self.last_data = self.loop.time()
        if self.broken and not self.in_request:  # the last request is whole: what follows is not read
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if not self.broken:  # (an upgrade request is refused from its headers: on_headers_complete)
                self._refuse(UPGRADE_REFUSED)
        except httptools.HttpParserError as exc:
            self._refuse(f"not an HTTP/1.1 request: {exc}")
        else:
            if self.in_head:  # counted per segment: at most one segment of what came before is included
                self.head_bytes += len(data)
                if self.head_bytes > MAX_HEAD_BYTES:
                    self.in_head = False
                    self.raw.clear()
                    self.app.sink.stats.reject("oversize")
                    self._refuse(f"request head (request line and headers) exceeds the limit of {MAX_HEAD_BYTES} "
                                 "bytes", status=431)

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown: close now when idle, else once the answers owed are written."""
        self.closing = True
        if not self.answers and not self.in_request and self.transport is not None:
            self.transport.close()

    def pause_writing(self) -> None:
        self.write_paused = True
        self._flow()

    def resume_writing(self) -> None:
        self.write_paused = False
        self._flow()

    def _flow(self) -> None:
        """Read while the client reads its answers and owes us no more than :data:`MAX_QUEUED`."""
        want = not self.write_paused and len(self.answers) < MAX_QUEUED
        if want != self.reading and self.transport is not None:
            self.reading = want
            self.last_data = self.loop.time()  # a stall counts from when the sink reads again
            self.transport.resume_reading() if want else self.transport.pause_reading()

    def _idle_check(self) -> None:
        if self.transport is None:
            return
        if not self.answers and not self.in_request and self.begun == self.seen:
            self.transport.close()
            return
        if self.in_request and not self.broken and self.reading \
                and self.loop.time() - self.last_data >= self.stall_seconds:  # not while the sink holds it back
            self._refuse(f"the request stopped coming: no byte for {self.stall_seconds:g} s", status=408)
            return  # the answer closes the connection once the answers before it are out
        self.seen = self.begun
        self.timer = self.loop.call_later(self.idle_seconds, self._idle_check)

    def _refuse(self, reason: str, status: int = 400) -> None:
        self.broken = True
        slot = self.slot if self.in_request and self.slot is not None and self.slot.answer is None else None
        if slot is None:
            slot = _Slot(False, False)
            self.answers.append(slot)
        slot.keep_alive = False
        slot.answer = json_answer(status, reason)
        self.in_request = False
        self._write_ready()

    # ------------------------------------------------------------------ httptools callbacks
    def on_message_begin(self) -> None:
        self.slot = None  # a parse error before this request's headers are whole is answered on its own
        self.url = b""
        self.raw.clear()
        self.body = []
        self.size = 0
        self.skip = False
        self.in_request = True
        self.in_head = True
        self.head_bytes = 0
        self.begun += 1

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_headers_complete(self) -> None:
        self.in_head = False
        if self.broken:  # pipelined behind a request that ends the connection: never answered, not read
            self.raw.clear()
            self.skip = True
            return
        if self.parser.should_upgrade():  # llhttp completes the message, then raises HttpParserUpgrade
            self.raw.clear()
            self.skip = self.broken = True
            slot = self.slot = _Slot(False, False)
            slot.answer = json_answer(400, UPGRADE_REFUSED)
            self.answers.append(slot)
            self._write_ready()
            return
        raw = self.raw
        # the headers the app reads, names lowercase (as ASGI gives them); a name repeated in one
        # spelling: its last value; in several letter cases: one of them (a repeated ce- header is
        # malformed in any case)
        names = _NAMES
        headers = self.headers = {name: value.decode("latin-1") for key, value in raw.items()
                                  if (name := names.get(key)) or (name is None and (name := _name(key)))}
        raw.clear()
        expect = headers.pop("expect", None)
        method = self.parser.get_method().decode("latin-1")
        path = self.url.partition(b"?")[0].decode("latin-1")
        if "%" in path:
            path = unquote(path)
        slot = self.slot = _Slot(self.parser.should_keep_alive(), method == "HEAD")
        self.answers.append(slot)
        if not slot.keep_alive:
            self.broken = True
        if len(self.answers) >= MAX_QUEUED:
            self._flow()
        try:
            answer = self.app.answer_head(method, path, self.port, self.headers)
        except Exception:  # noqa: BLE001 - a bug: answered 500, the connection closed, the sink goes on
            log.exception("answering %s %s failed", method, path)
            answer = self._internal_error(slot)
        if answer is not None:
            self.skip = True
            slot.answer = answer
            if expect is not None:  # the client may not send the body now: the stream cannot go on
                slot.keep_alive = False
                self.broken = True
            self._write_ready()
        elif expect is not None and expect.lower() == "100-continue":
            if self.answers[0] is slot:
                if self.transport is not None:
                    self.transport.write(_CONTINUE)
            else:  # behind pipelined answers: sent when its turn comes (_write_ready)
                self.waiting_continue = slot

    def on_body(self, body: bytes) -> None:
        if self.skip:
            return
        self.size += len(body)
        if self.size > self.limit:
            self.skip = True
            self.body = []
            self.slot.answer = self.app.oversize(self.headers)
            self._write_ready()
            return
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.in_request = False
        if self.waiting_continue is self.slot:
            self.waiting_continue = None  # the body came without the 100
        if self.skip:
            if self.closing and not self.answers and self.transport is not None:
                self.transport.close()  # shutdown came while a refused body was read
            return
        slot = self.slot
        body = self.body[0] if len(self.body) == 1 else b"".join(self.body)
        self.body = []
        try:
            out = self.app.ingest(self.headers, body)
        except Exception:  # noqa: BLE001 - a bug: answered 500, the connection closed, the sink goes on
            log.exception("ingesting an event failed")
            out = self._internal_error(slot)
        if isinstance(out, Pending):
            out.durable.add_done_callback(lambda _, slot=slot, pending=out: self._durable(slot, pending))
        else:
            slot.answer = out
            self._write_ready()

    # ------------------------------------------------------------------ answers
    def _internal_error(self, slot: _Slot) -> Answer:
        slot.keep_alive = False
        self.broken = True
        return json_answer(500, "internal error in the inference log sink (logged)")

    def _durable(self, slot: _Slot, pending: Pending) -> None:
        """The commit of a pending event is done: its answer, written when its turn comes."""
        try:
            slot.answer = self.app.acknowledged(pending)
        except BaseException:  # noqa: BLE001 - a bug: answered 500, the connection closed
            log.exception("acknowledging an event failed")
            slot.answer = self._internal_error(slot)
        self._write_ready()

    def _write_ready(self) -> None:
        """Write every answer that is ready and whose turn it is, in one ``send()``."""
        transport = self.transport
        if transport is None:
            return
        answers = self.answers
        out = []
        close = False
        while answers and answers[0].answer is not None:
            slot = answers.popleft()
            keep = slot.keep_alive and not (self.closing and not answers and not self.in_request)
            out.append(encode(slot.answer, keep, slot.head))
            if not keep:
                close = True
                break
        if not close and self.waiting_continue is not None and answers and answers[0] is self.waiting_continue:
            out.append(_CONTINUE)
            self.waiting_continue = None
        if out:
            transport.write(out[0] if len(out) == 1 else b"".join(out))
        if close:
            self.broken = True
            answers.clear()
            transport.close()
        elif not self.reading:
            self._flow()


__all__ = ["SinkProtocol", "encode", "MAX_QUEUED", "MAX_HEAD_BYTES", "STALL_SECONDS"]
