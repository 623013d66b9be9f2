"""The sink's own HTTP/1.1 protocol (what ``ctloop logger serve`` runs under uvicorn): every
answer leaves in one write, pipelined requests are answered in order, a graceful shutdown closes
a connection once the answers it is owed are written, and HTTP odds (chunked bodies, Expect:
100-continue, HEAD, garbage) behave as they did under uvicorn's generic protocol."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from types import SimpleNamespace

import pytest

from ctloop.inference_log.app import create_app
from ctloop.inference_log.protocol import SinkProtocol
from ctloop.inference_log.sink import Sink
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.support import parquet_rows

REQUEST = json.dumps({"instances": [{"income": 1.5}]}).encode()
RESPONSE = json.dumps({"predictions": [1], "model_version": "2"}).encode()


def post(ce_id: str, kind: str, body: bytes, extra: bytes = b"", path: bytes = b"/") -> bytes:
    """A POST as KServe's agent sends it (Go's canonical header case), to ``path`` (logger.url's)."""
    return (b"POST %s HTTP/1.1\r\nHost: sink\r\nCe-Id: %s\r\nCe-Type: org.kubeflow.serving.inference.%s\r\n"
            b"Ce-Specversion: 1.0\r\nCe-Source: http://localhost:9081/\r\nCe-Inferenceservicename: credit-default\r\n"
            b"Ce-Time: 2026-11-22T10:31:02.417Z\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s"
            % (path, ce_id.encode(), kind.encode(), extra, len(body), body))


def answers(data: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """HTTP/1.1 answers in ``data``, in order: (status, headers, body); raises if one is cut."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        assert sep, f"an answer is cut: {data[:80]!r}"
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
        n = int(headers.get("content-length", 0))
        out.append((int(status_line.split()[1]), headers, rest[:n]))
        data = rest[n:]
    return out


class Transport:
    """What the protocol sees of a socket: the writes it made, whether it closed."""

    def __init__(self):
        self.writes: list[bytes] = []
        self.closed = False
        self.reading = True

    def write(self, data: bytes) -> None:
        assert not self.closed, "written after close"
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name, default=None):
        return ("127.0.0.1", 8080) if name == "sockname" else default

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True


async def connected(tmp_path, **app_opts) -> tuple[Sink, SinkProtocol, Transport, set]:
    sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
    await sink.start()
    connections: set = set()
    protocol = SinkProtocol(SimpleNamespace(timeout_keep_alive=5), SimpleNamespace(connections=connections),
                            app=create_app(sink, **app_opts))
    transport = Transport()
    protocol.connection_made(transport)
    return sink, protocol, transport, connections


async def until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.005)


def test_pipelined_requests_are_answered_in_order_each_answer_in_one_write(tmp_path):
    """Four requests in one packet: an event (waits for its fsync), a malformed one and a health
    check (answered at once, yet after the event's 200), then the event's response. Under
    uvicorn's protocol each answer took two writes (headers, then body)."""
    async def scenario():
        sink, protocol, transport, connections = await connected(tmp_path)
        assert connections == {protocol}
        protocol.data_received(post("a", "request", REQUEST) + post("b", "request", b"{broken")
                               + b"GET /healthz HTTP/1.1\r\nHost: sink\r\n\r\n" + post("a", "response", RESPONSE))
        await until(lambda: len(answers(b"".join(transport.writes))) == 4)
        writes = list(transport.writes)
        await sink.stop()
        return writes, sink.stats
    writes, stats = asyncio.run(scenario())
    for write in writes:  # every write holds whole answers: none is split over two sends
        answers(write)
    assert len(writes) <= 4
    got = answers(b"".join(writes))
    assert [status for status, _, _ in got] == [200, 400, 200, 200]
    assert json.loads(got[0][2]) == {"accepted": "a", "kind": "request"}
    assert "not JSON" in json.loads(got[1][2])["error"]
    assert json.loads(got[2][2])["status"] == "ok"
    assert json.loads(got[3][2]) == {"accepted": "a", "kind": "response"}
    assert all("connection" not in headers for _, headers, _ in got)  # kept alive
    assert (stats.accepted, stats.rejected) == (2, {"bad_json": 1})
    assert parquet_rows(tmp_path / "root").request_id.tolist() == ["a"]


def test_shutdown_closes_an_idle_connection_at_once_and_a_busy_one_after_its_answer(tmp_path):
    async def scenario():
        sink, busy, busy_transport, connections = await connected(tmp_path)
        idle = SinkProtocol(SimpleNamespace(timeout_keep_alive=5), SimpleNamespace(connections=connections),
                            app=busy.app)
        idle_transport = Transport()
        idle.connection_made(idle_transport)
        busy.data_received(post("s", "request", REQUEST))
        busy.shutdown()  # what uvicorn's graceful shutdown calls on every open connection
        idle.shutdown()
        closed_at_once = (idle_transport.closed, busy_transport.closed)
        await until(lambda: busy_transport.closed)
        await sink.stop()
        return closed_at_once, busy_transport.writes
    closed_at_once, writes = asyncio.run(scenario())
    assert closed_at_once == (True, False)
    ((status, headers, body),) = answers(b"".join(writes))
    assert (status, headers["connection"]) == (200, "close") and json.loads(body)["accepted"] == "s"


def test_an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout(tmp_path):
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        protocol = SinkProtocol(SimpleNamespace(timeout_keep_alive=0.05), SimpleNamespace(connections=set()),
                                app=create_app(sink))
        transport = Transport()
        protocol.connection_made(transport)
        protocol.data_received(post("k", "request", REQUEST))
        await until(lambda: transport.writes)
        open_after_answer = not transport.closed
        await until(lambda: transport.closed)  # nothing more came
        await sink.stop()
        return open_after_answer
    assert asyncio.run(scenario())


def test_a_chunked_body_over_the_limit_is_413_and_the_connection_goes_on(tmp_path):
    async def scenario():
        sink, protocol, transport, _ = await connected(tmp_path, max_body_bytes=1000)
        chunk = b"x" * 700
        big = (b"POST / HTTP/1.1\r\nHost: sink\r\nce-id: big\r\nTransfer-Encoding: chunked\r\n\r\n"
               + b"%x\r\n%s\r\n" % (len(chunk), chunk) * 3 + b"0\r\n\r\n")
        protocol.data_received(big + post("c", "request", REQUEST))
        await until(lambda: len(answers(b"".join(transport.writes))) == 2)
        await sink.stop()
        return answers(b"".join(transport.writes)), sink.stats.rejected, transport.closed
    got, rejected, closed = asyncio.run(scenario())
    assert [status for status, _, _ in got] == [413, 200]
    assert "exceeds the limit of 1000" in json.loads(got[0][2])["error"]
    assert rejected == {"oversize": 1} and not closed


def test_connection_close_ends_the_connection_after_its_answer_and_what_was_pipelined_behind_is_not_read(tmp_path):
    async def scenario():
        sink, protocol, transport, _ = await connected(tmp_path)
        protocol.data_received(post("c", "request", REQUEST, extra=b"Connection: close\r\n")
                               + post("d", "request", REQUEST))
        await until(lambda: transport.closed)
        await sink.stop()
        return answers(b"".join(transport.writes)), sink.stats.received
    got, received = asyncio.run(scenario())
    ((status, headers, body),) = got
    assert (status, headers["connection"], json.loads(body)["accepted"]) == (200, "close", "c")
    assert received == 1


def test_a_refusal_before_an_expected_body_closes_the_connection(tmp_path):
    """With Expect: 100-continue the client may never send a body it was refused: the next bytes
    could be another request or nothing, so the connection ends with the 413."""
    async def scenario():
        sink, protocol, transport, _ = await connected(tmp_path, max_body_bytes=10)
        protocol.data_received(post("x", "request", REQUEST, extra=b"Expect: 100-continue\r\n").split(b"\r\n\r\n")[0]
                               + b"\r\n\r\n")
        await sink.stop()
        return answers(b"".join(transport.writes)), transport.closed
    ((status, headers, _),), closed = asyncio.run(scenario())
    assert (status, headers["connection"], closed) == (413, "close", True)


def test_a_request_that_is_not_http_is_a_400_and_the_connection_closed(tmp_path):
    async def scenario():
        sink, protocol, transport, _ = await connected(tmp_path)
        protocol.data_received(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 a TLS hello, say\r\n\r\n")
        await sink.stop()
        return transport
    transport = asyncio.run(scenario())
    ((status, headers, body),) = answers(b"".join(transport.writes))
    assert (status, headers["connection"]) == (400, "close") and "not an HTTP/1.1 request" in json.loads(body)["error"]
    assert transport.closed


def _read_answer(sock: socket.socket, buffer: bytearray) -> tuple[int, dict[str, str], bytes]:
    """The next answer on ``sock`` (``buffer``: what was received and not read yet)."""
    while b"\r\n\r\n" not in buffer:
        data = sock.recv(65536)
        assert data, "connection closed"
        buffer += data
    head, _, _ = bytes(buffer).partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    n = int(headers.get("content-length", 0))
    while len(buffer) < len(head) + 4 + n:
        buffer += sock.recv(65536)
    body = bytes(buffer[len(head) + 4:len(head) + 4 + n])
    del buffer[:len(head) + 4 + n]
    return int(status_line.split()[1]), headers, body


@pytest.mark.slow
def test_the_served_sink_speaks_http_1_1_on_one_kept_alive_connection(tmp_path):
    """``ctloop logger serve`` over a raw socket: Expect: 100-continue (curl sends it for bodies
    over 1 KiB), a chunked body, HEAD, two pipelined requests; then SIGTERM with the connection
    still open and idle: the sink closes it and stops with every acknowledged event in Parquet."""
    proc, url = start_sink(tmp_path)
    port = int(url.rsplit(":", 1)[1])
    buffer = bytearray()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(post("e", "request", REQUEST, extra=b"Expect: 100-continue\r\n").split(b"\r\n\r\n")[0]
                         + b"\r\n\r\n")
            assert _read_answer(sock, buffer)[0] == 100
            sock.sendall(REQUEST)
            assert _read_answer(sock, buffer)[0] == 200
            chunked = post("e", "response", b"").replace(b"Content-Length: 0\r\n", b"Transfer-Encoding: chunked\r\n")
            sock.sendall(chunked + b"%x\r\n%s\r\n0\r\n\r\n" % (len(RESPONSE), RESPONSE))
            status, _, body = _read_answer(sock, buffer)
            assert (status, json.loads(body)) == (200, {"accepted": "e", "kind": "response"})
            sock.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: sink\r\n\r\n" + post("f", "request", REQUEST)
                         + post("f", "response", RESPONSE))
            while b"\r\n\r\n" not in buffer:
                buffer += sock.recv(65536)
            head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200") and b"content-length: " in head  # HEAD: no body follows
            buffer[:] = rest
            assert [_read_answer(sock, buffer)[2] for _ in range(2)] == [b'{"accepted":"f","kind":"request"}',
                                                                         b'{"accepted":"f","kind":"response"}']
            stop_group(proc)  # SIGTERM with this connection open and idle
            assert sock.recv(1) == b""  # closed by the sink
    finally:
        stop_group(proc)
    assert sorted(parquet_rows(tmp_path / "root").request_id) == ["e", "f"]


@pytest.mark.parametrize("closing", [b"HTTP/1.1\r\nConnection: close", b"HTTP/1.0"])
def test_a_closing_request_whose_body_comes_in_a_later_segment_is_read_and_answered(tmp_path, closing):
    """``Connection: close`` (or HTTP/1.0) ends the stream after this request, not before its body:
    the body arriving in the next TCP segment was dropped, the request never answered, and a
    SIGTERM waited for the drain timeout (review of the merged protocol)."""
    async def scenario():
        sink, protocol, transport, _ = await connected(tmp_path)
        head, _, body = post("late", "request", REQUEST).replace(b"HTTP/1.1", closing, 1).partition(b"\r\n\r\n")
        protocol.data_received(head + b"\r\n\r\n")
        protocol.data_received(body)
        await until(lambda: transport.closed)
        await sink.stop()
        return answers(b"".join(transport.writes))
    ((status, headers, body),) = asyncio.run(scenario())
    assert (status, headers["connection"], json.loads(body)["accepted"]) == (200, "close", "late")


@pytest.mark.parametrize("request_", [
    b"GET /healthz HTTP/1.1\r\nHost: sink\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: sink\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
    b"HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nContent-Length: 2\r\n\r\n{}",
])
def test_an_upgrade_request_gets_exactly_one_answer(tmp_path, request_):
    """llhttp completes an upgrade request's message before it raises HttpParserUpgrade: the app
    answered it (200 / 400) and the refusal of the upgrade came as a second answer."""
    async def scenario():
        sink, protocol, transport, _ = await connected(tmp_path)
        protocol.data_received(request_)
        await sink.stop()
        return answers(b"".join(transport.writes)), transport.closed
    ((status, headers, body),), closed = asyncio.run(scenario())
    assert (status, headers["connection"], closed) == (400, "close", True)
    assert "upgrade" in json.loads(body)["error"]


def test_a_bad_header_after_a_pipelined_event_is_refused_in_its_own_answer(tmp_path):
    """The parse error of the second request became the answer of the first (already stored)."""
    async def scenario():
        sink, protocol, transport, _ = await connected(tmp_path)
        protocol.data_received(post("e", "request", REQUEST) + b"POST / HTTP/1.1\r\nBad Header\r\n\r\n")
        await until(lambda: transport.closed)
        await sink.stop()
        return answers(b"".join(transport.writes)), sink.stats.accepted
    got, accepted = asyncio.run(scenario())
    assert [status for status, _, _ in got] == [200, 400] and accepted == 1
    assert json.loads(got[0][2])["accepted"] == "e"


def test_shutdown_while_a_refused_body_comes_in_closes_once_it_is_read(tmp_path):
    async def scenario():
        sink, protocol, transport, _ = await connected(tmp_path)
        protocol.data_received(b"POST /healthz HTTP/1.1\r\nHost: sink\r\nContent-Length: 10\r\n\r\n12345")
        await until(lambda: transport.writes)
        protocol.shutdown()
        protocol.data_received(b"67890")
        closed = transport.closed
        await sink.stop()
        return answers(b"".join(transport.writes)), closed
    got, closed = asyncio.run(scenario())
    assert [status for status, _, _ in got] == [404] and closed


def test_expect_continue_behind_a_pipelined_request_is_answered_when_its_turn_comes(tmp_path):
    async def scenario():
        sink, protocol, transport, _ = await connected(tmp_path)
        head = post("x", "request", REQUEST, extra=b"Expect: 100-continue\r\n").partition(b"\r\n\r\n")[0]
        protocol.data_received(post("w", "request", REQUEST) + head + b"\r\n\r\n")
        await until(lambda: b"100 Continue" in b"".join(transport.writes))
        protocol.data_received(REQUEST)
        await until(lambda: b"".join(transport.writes).count(b"HTTP/1.1 200") == 2)
        await sink.stop()
        return b"".join(transport.writes)
    data = asyncio.run(scenario())
    first_ok, cont = data.index(b"HTTP/1.1 200"), data.index(b"HTTP/1.1 100 Continue")
    assert first_ok < cont  # the 100 comes once the answers before it are written


def test_a_request_head_without_end_is_431_and_the_connection_closed_not_buffered_without_bound(tmp_path):
    """Before: header bytes were kept until the head ended, however many (300 MiB of one header
    grew the sink by 330 MiB, unanswered): one client could exhaust the sink's memory."""
    from ctloop.inference_log.protocol import MAX_HEAD_BYTES

    async def scenario():
        sink, protocol, transport, _ = await connected(tmp_path)
        protocol.data_received(b"POST / HTTP/1.1\r\nHost: sink\r\nce-metadata: ")
        chunk = b"x" * 65536
        for _ in range(MAX_HEAD_BYTES // len(chunk) + 2):
            protocol.data_received(chunk)
        held = len(protocol.raw)
        await sink.stop()
        return answers(b"".join(transport.writes)), transport.closed, held, sink.stats.rejected
    ((status, headers, body),), closed, held, rejected = asyncio.run(scenario())
    assert (status, headers["connection"], closed) == (431, "close", True)
    assert f"{MAX_HEAD_BYTES}" in json.loads(body)["error"] and rejected == {"oversize": 1}
    assert held == 0


def test_a_large_legitimate_head_is_still_accepted(tmp_path):
    async def scenario():
        sink, protocol, transport, _ = await connected(tmp_path)
        meta = json.dumps({"X-Trace": ["t" * 100_000]}).encode()
        protocol.data_received(post("m", "request", REQUEST, extra=b"Ce-Metadata: %s\r\n" % meta))
        await until(lambda: transport.writes)
        await sink.stop()
        return answers(b"".join(transport.writes))
    ((status, _, _),) = asyncio.run(scenario())
    assert status == 200


def test_a_request_that_stops_coming_midway_is_408_and_the_connection_closed(tmp_path):
    """Before: a request whose head or body stopped coming (a client gone without a FIN, a
    Content-Length larger than the body) kept its connection open forever: the idle check only
    closed connections between requests, so such connections piled up until the sink ran out of
    file descriptors."""
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        closed = []
        for stalled in (post("s", "request", REQUEST)[:40],  # head cut
                        post("s", "request", REQUEST)[:-5]):  # body cut
            protocol = SinkProtocol(SimpleNamespace(timeout_keep_alive=0.05), SimpleNamespace(connections=set()),
                                    app=create_app(sink))
            protocol.stall_seconds = 0.1
            transport = Transport()
            protocol.connection_made(transport)
            protocol.data_received(stalled)
            await until(lambda transport=transport: transport.closed, timeout=5)
            closed.append(answers(b"".join(transport.writes)))
        await sink.stop()
        return closed
    for got in asyncio.run(scenario()):
        ((status, headers, body),) = got
        assert (status, headers["connection"]) == (408, "close") and "stopped coming" in json.loads(body)["error"]


def test_a_request_is_not_408_while_the_sink_itself_has_paused_reading_it(tmp_path):
    """The sink stops reading a connection that owes MAX_QUEUED answers or whose client does not
    read them (flow control): no byte can come then, and that is not the client's stall (review15)."""
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        protocol = SinkProtocol(SimpleNamespace(timeout_keep_alive=0.05), SimpleNamespace(connections=set()),
                                app=create_app(sink))
        protocol.stall_seconds = 0.1
        transport = Transport()
        protocol.connection_made(transport)
        protocol.data_received(post("s", "request", REQUEST)[:-5])  # a body still coming
        protocol.pause_writing()  # the client reads no answers: the sink pauses reading it
        await asyncio.sleep(0.5)
        paused = (transport.closed, answers(b"".join(transport.writes)))
        protocol.resume_writing()  # reading again: the stall counts from now
        await until(lambda: transport.closed, timeout=5)
        await sink.stop()
        return paused, answers(b"".join(transport.writes))
    (closed, written), after = asyncio.run(scenario())
    assert not closed and written == []
    ((status, _, _),) = after
    assert status == 408


def exchange(tmp_path, data: bytes, n: int, **app_opts) -> tuple[list, Sink]:
    """``data`` sent on one connection; the ``n`` answers, and the sink once stopped."""
    async def scenario():
        sink, protocol, transport, _ = await connected(tmp_path, **app_opts)
        protocol.data_received(data)
        await until(lambda: b"".join(transport.writes).count(b"HTTP/1.1 ") >= n)
        await sink.stop()
        return answers(b"".join(transport.writes)), sink
    return asyncio.run(scenario())


@pytest.mark.parametrize("path", [b"/ingest", b"/v1/log/", b"/ingest?tenant=a"])
def test_events_posted_to_the_path_of_the_logger_url_are_stored(tmp_path, path):
    """KServe's agent posts to logger.url exactly as configured (pkg/logger/worker.go, v0.20.0:
    the URL handed to sdk-go's client as it is): with ``logger.url: http://sink.ns/ingest`` every
    event was 404 'no route POST /ingest' and lost. Any path but the sink's own endpoints ingests."""
    got, sink = exchange(tmp_path, post("p", "request", REQUEST, path=path) + post("p", "response", RESPONSE,
                                                                                      path=path), 2)
    assert [status for status, _, _ in got] == [200, 200], got
    rows = parquet_rows(tmp_path / "root")
    assert rows.request_id.tolist() == ["p"] and rows.prediction.tolist() == [1]


def test_the_sinks_own_endpoints_are_never_taken_for_ingest(tmp_path):
    got, sink = exchange(tmp_path, post("h", "request", REQUEST, path=b"/healthz")
                         + post("m", "request", REQUEST, path=b"/metrics")
                         + b"GET /ingest HTTP/1.1\r\nHost: sink\r\n\r\n", 3)
    assert [status for status, _, _ in got] == [404, 404, 405], got
    assert "POST CloudEvents" in json.loads(got[2][2])["error"] and sink.stats.accepted == 0


@pytest.mark.parametrize("encoding", [b"br", b"deflate, gzip", b"compress"])
def test_a_compressed_body_is_refused_with_415_naming_its_encoding(tmp_path, encoding):
    """Before: 400 'body is not JSON: str is not valid UTF-8', which says nothing of the cause.
    KServe's agent sends no Content-Encoding; the sink reads identity, gzip and deflate bodies
    (test_fix40c_compressed_edges), any other coding is a 415 (RFC 9110 §15.5.16, with
    Accept-Encoding saying which codings would do)."""
    import gzip

    got, sink = exchange(tmp_path, post("z", "request", gzip.compress(REQUEST), b"Content-Encoding: %s\r\n" % encoding)
                         + post("i", "request", REQUEST, b"Content-Encoding: identity\r\n"), 2)
    (status, headers, body), (identity, _, _) = got
    assert status == 415 and encoding.decode() in json.loads(body)["error"], body
    assert headers["accept-encoding"] == "gzip, deflate, identity" and identity == 200
    assert sink.stats.rejected == {"unsupported_media": 1}
