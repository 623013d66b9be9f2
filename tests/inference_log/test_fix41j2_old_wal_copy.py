"""A WAL line written before ``wal_id`` existed, present in two segments, is one event (fix round 41j2, review j).

An older ctloop's WAL at the upgrade restart has lines without a ``wal_id``. A crash between a flush's
carry and its delete leaves such a line in two segments. Since fix41h2 only two lines with one
``wal_id`` were one event, so the id-less copies were both kept: the id became ambiguous and call A's
and a later call B (reusing the ``Ce-Id``, as KServe v0.20.0 ``pkg/logger/handler.go``
``getOrCreateID`` allows) were written as half rows; and the carried lines kept ``""``, so a second
crash repeated it. Now the replay gives an id-less line an id derived from its content (every
attribute and the body: the old exact-copy comparison, replay only) and its occurrence in its
segment, the same for both copies; the carry keeps it.
"""

from __future__ import annotations

import asyncio
import json

import httpx

from ctloop.inference_log.app import create_app
from ctloop.inference_log.events import Event, parse_event
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import parquet_rows
from tests.inference_log.test_fix41c_replayed_copy import _headers, _pairs

_LATER = [("response", {"predictions": [0.1]}, "2026-11-22T10:31:02.500Z"),  # call A's response
          ("response", {"predictions": [0.2]}, "2026-11-22T10:40:00.100Z"),  # call B (same Ce-Id), response first
          ("request", {"instances": [{"x": 2.0}]}, "2026-11-22T10:40:00.000Z")]  # B's request


def _old_line(body: bytes = b'{"instances": [{"x": 1.0}]}', when: str = "2026-11-22T10:31:02.417Z") -> bytes:
    line = parse_event({**_headers("request"), "ce-time": when}, body).to_wal().replace(b',"wal_id":""', b"")
    assert b"wal_id" not in line  # a line of a WAL written before wal_id
    return line


def _run(tmp_path, segments: list[bytes], events, crash_after_carry: bool = False):
    wal = tmp_path / "wal"
    wal.mkdir(exist_ok=True)
    for n, content in enumerate(segments, 1):
        (wal / f"segment-{n:020d}-{'abcdef'[n % 6] * 6}.wal").write_bytes(content)

    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(wal), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        if crash_after_carry:  # a flush carries the waiting lines into a new segment; then a crash
            await sink.flush()
            carried = b"".join(p.read_bytes() for p in sorted(wal.glob("segment-*.wal")))
            await sink.abandon()
            return carried, None
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            for kind, body, when in events:
                headers = {**_headers(kind), "ce-time": when}
                assert (await c.post("/", headers=headers, content=json.dumps(body))).status_code == 200
            await sink.flush(final=True)
            metrics = (await c.get("/metrics")).text
        await sink.stop()
        return None, metrics

    return asyncio.run(scenario())


def test_an_old_line_in_two_segments_is_one_event(tmp_path):
    line = _old_line()
    _, metrics = _run(tmp_path, [line + b"\n", line + b"\n"], _LATER)
    rows = parquet_rows(tmp_path / "root")
    # before: [] and 5 half rows (the two copies made the id ambiguous)
    assert _pairs(rows) == [[1.0, 0.1], [2.0, 0.2]], rows
    assert len(rows) == 2
    assert "ctloop_log_ambiguous_ids_total 0" in metrics


def test_the_carry_of_an_old_line_keeps_its_id_through_a_second_crash(tmp_path):
    line = _old_line()
    carried, _ = _run(tmp_path, [line + b"\n"], [], crash_after_carry=True)
    ids = {Event.from_json(raw).wal_id for raw in carried.splitlines() if raw.strip()}
    assert len(ids) == 1 and "" not in ids, carried  # before: the carry kept wal_id ""
    # the crash came between the carry and its delete: the old segment is back beside the carry
    assert not (tmp_path / "wal" / f"segment-{1:020d}-bbbbbb.wal").exists()
    _, metrics = _run(tmp_path, [line + b"\n"], _LATER)
    rows = parquet_rows(tmp_path / "root")
    assert _pairs(rows) == [[1.0, 0.1], [2.0, 0.2]], rows
    assert len(rows) == 2


def test_two_alike_old_lines_in_one_segment_stay_two_calls(tmp_path):
    # one segment never holds a line and its own carry: two alike lines there are two calls (a client's
    # own Ce-Id and ce-time, a retried call); carried by an older ctloop both sit in the next segment too
    line = _old_line()
    _, metrics = _run(tmp_path, [line + b"\n" + line + b"\n", line + b"\n" + line + b"\n"], [])
    rows = parquet_rows(tmp_path / "root")
    assert len(rows) == 2 and not rows.has_response.any(), rows
    assert list(rows.x) == [1.0, 1.0]


def test_old_lines_differing_in_anything_are_not_merged(tmp_path):
    a = _old_line()
    b = _old_line(when="2026-11-22T10:31:02.418Z")
    c = _old_line(body=b'{"instances": [{"x": 1}]}')  # 1 is not 1.0
    _, metrics = _run(tmp_path, [a + b"\n", b + b"\n" + c + b"\n"], [])
    assert len(parquet_rows(tmp_path / "root")) == 3
