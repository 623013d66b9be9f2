"""Round 56: one event of KServe's agent delivered twice (a retry outside the agent: a service
mesh retrying the POST whose answer it lost) was stored as two events. The agent sends each
event once and stamps each send (KServe v0.20.0 ``pkg/logger/worker.go``: ``SetTime(
OccurrenceTime)``, ``SetExtension(RecordedTimeAttr, time.Now())``, one ``c.Send``, no retry), so a
copy has the same ce-id, ce-type, ce-source, ce-time, ce-recordedtime and body. On main a request
copy arriving while the first waited made the id ambiguous: three half rows where one call was;
a copy arriving after the pair, a lone half row beside the complete one.

Now the copy is answered 200 (it is in the WAL) and joined once, live and at a replay; two sends
that differ in ce-recordedtime alone stay two events, as two calls under one ``Ce-Id`` always were.
"""

from __future__ import annotations

import asyncio
import json

from ctloop.inference_log.events import parse_event
from tests.inference_log.support import kserve_headers, parquet_rows, sink_client, told_sink

REQUEST = json.dumps({"instances": [[1.0, 2.0]]}).encode()
RESPONSE = json.dumps({"predictions": [1]}).encode()
SENT = "2026-11-22T10:31:02.418123456Z"  # sdk-go writes the extension time with nanoseconds


def _headers(kind: str, recorded: str = SENT) -> dict[str, str]:
    at = "2026-11-22T10:31:02.417000001Z" if kind == "request" else "2026-11-22T10:31:02.517000001Z"
    return kserve_headers(kind, "call-1", at, ce_recordedtime=recorded)


async def _post(c, kind: str, recorded: str = SENT) -> None:
    answer = await c.post(
        "/", headers=_headers(kind, recorded), content=REQUEST if kind == "request" else RESPONSE
    )
    assert answer.status_code == 200, answer.text


def _rows(root):
    rows = parquet_rows(root)
    return sorted(zip(rows.has_request, rows.has_response, strict=True))


def test_a_copy_of_an_agent_event_is_stored_once(tmp_path):
    async def scenario(order, tmp):
        async with sink_client(tmp) as (sink, c):
            for kind in order:
                await _post(c, kind)
            await sink.flush(final=True)
        return sink.stats.duplicate_ids

    # the copy while the request waits for its response; then after the pair
    for name, order in (
        ("waiting", ["request", "request", "response"]),
        ("paired", ["request", "response", "request"]),
        ("response", ["request", "response", "response"]),
    ):
        assert asyncio.run(scenario(order, tmp_path / name)) == 1, name
        assert _rows(tmp_path / name / "root") == [(True, True)], name


def test_two_sends_alike_but_for_their_recordedtime_are_two_events(tmp_path):
    async def scenario():
        async with sink_client(tmp_path) as (sink, c):
            await _post(c, "request")
            await _post(c, "request", recorded="2026-11-22T10:31:02.418123457Z")
            await _post(c, "response")
            await sink.flush(final=True)

    asyncio.run(scenario())
    assert len(_rows(tmp_path / "root")) == 3  # kept: which request was answered cannot be told


def test_a_replay_of_both_copies_joins_one(tmp_path):
    async def crash():
        first = told_sink(tmp_path)
        await first.start()
        for _ in range(2):
            await first.submit(parse_event(_headers("request"), REQUEST))
        await first.abandon()  # the pod killed: both lines stay in the WAL

    async def restart():
        second = told_sink(tmp_path)
        await second.start()  # replays both copies
        await second.submit(parse_event(_headers("response"), RESPONSE))
        await second.stop()
        return second.stats.duplicate_ids

    asyncio.run(crash())
    assert asyncio.run(restart()) == 1
    assert _rows(tmp_path / "root") == [(True, True)]
