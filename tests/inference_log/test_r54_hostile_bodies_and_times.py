"""Round 54's hunt over the sink (ASGI app, real Sink, Parquet read back): v1 and v2 bodies of
hostile shapes, ce-time in the forms RFC 3339 allows, a response before its request and a
second response for one ce-id. The rule: every event answered 2xx is in the stored rows; every
refusal is a 4xx with a one-line reason. The one break found: a leap second (``23:59:60Z``, RFC
3339 §5.6 time-second 60) was a 400, and KServe's agent does not retry (the pair lost); it is now
stored as its minute's last nanosecond."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from ctloop.inference_log.app import create_app
from ctloop.inference_log.events import RejectedEvent, parse_event
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import parquet_rows
from tests.inference_log.test_r45_infolog_reused_id_v2_halves import HEADERS


def _headers(kind: str, event_id: str, time: str = "2026-11-22T10:31:02.417Z") -> dict[str, str]:
    # KServe v0.20.0's agent's binary-mode headers (the r45 test's HEADERS), this event's id, type, time
    return {
        **HEADERS,
        "ce-id": event_id,
        "ce-type": f"org.kubeflow.serving.inference.{kind}",
        "ce-time": time,
    }


EVENTS = [  # (kind, ce-id, ce-time or None, body)
    ("request", "ragged", None, b'{"instances": [[1, 2], [3], [4, 5, 6]]}'),
    ("response", "ragged", None, b'{"predictions": [0, 1, 0]}'),
    (
        "request",
        "deeper",
        None,
        b'{"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [[1, [2]], [3, 4]]}]}',
    ),
    ("request", "nan", None, b'{"instances": [[NaN, Infinity, -Infinity]]}'),
    ("request", "dup", None, b'{"instances": [{"a": 1, "a": 2}], "instances": [{"a": 3}]}'),
    ("response", "early", None, b'{"predictions": [1]}'),  # a response before its request
    ("request", "early", None, b'{"instances": [[1]]}'),
    ("request", "twice", None, b'{"instances": [[1]]}'),
    ("response", "twice", None, b'{"predictions": [1]}'),
    ("response", "twice", None, b'{"predictions": [0]}'),  # a second response for one ce-id
    ("request", "offset", "2026-11-22T10:31:02+02:00", b'{"instances": [[1]]}'),
    ("request", "lower", "2026-11-22t10:31:02.417396123z", b'{"instances": [[1]]}'),
    ("request", "leap", "2026-12-31T23:59:60Z", b'{"instances": [[1]]}'),  # was 400
    ("request", "leap-local", "2027-01-01T00:59:60.5+01:00", b'{"instances": [[1]]}'),  # was 400
    (
        "request",
        "ragged-v2",
        None,
        b'{"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [[1, 2], [3]]}]}',
    ),
    ("request", "second-61", "2026-12-31T23:59:61Z", b'{"instances": [[1]]}'),
]


def test_what_the_sink_acknowledges_it_stores_and_what_it_refuses_is_one_4xx_line(tmp_path):
    async def scenario():
        sink = Sink(
            str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6
        )
        await sink.start()
        answers = []
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s"
        ) as c:
            for kind, event_id, time, body in EVENTS:
                headers = _headers(kind, event_id, *([time] if time else []))
                answers.append(await c.post("/", headers=headers, content=body))
            await sink.flush(final=True)
        await sink.stop()
        return answers

    answers = asyncio.run(scenario())
    rows = parquet_rows(tmp_path / "root")
    acknowledged = {e[1] for e, a in zip(EVENTS, answers, strict=True) if a.status_code == 200}
    refused = {e[1]: a for e, a in zip(EVENTS, answers, strict=True) if a.status_code != 200}
    assert acknowledged <= set(rows["request_id"]), acknowledged - set(rows["request_id"])
    assert set(refused) == {"ragged-v2", "second-61"}, {k: a.text for k, a in refused.items()}
    for answer in refused.values():
        assert answer.status_code == 400 and "\n" not in answer.json()["error"], answer.text
    times = dict(zip(rows["request_id"], rows["time"], strict=True))
    assert (
        (times["leap"], times["leap-local"])
        == (
            "2026-12-31T23:59:59.999999999Z",
            "2026-12-31T23:59:59.999999999Z",  # was the microsecond form, before a same-minute …59.9999995Z
        )
    )
    assert rows[rows["request_id"] == "early"]["has_request"].tolist() == [
        True
    ]  # paired, whatever the order
    assert sorted(rows[rows["request_id"] == "twice"]["prediction"]) == [
        0.0,
        1.0,
    ]  # the second one kept too


@pytest.mark.parametrize(
    "time, stored",
    [
        ("2026-12-31T23:59:60Z", "2026-12-31T23:59:59.999999999Z"),
        ("2026-06-30T23:59:60.999999999Z", "2026-06-30T23:59:59.999999999Z"),
        ("2026-06-30 23:59:60z", "2026-06-30T23:59:59.999999999Z"),  # was …59.999999+00:00
        ("2027-01-01T00:59:60.5+01:00", "2026-12-31T23:59:59.999999999Z"),  # 23:59 in UTC
        ("2026-12-31T18:59:60-05:00", "2026-12-31T23:59:59.999999999Z"),
    ],
)
def test_a_leap_second_is_its_minutes_last_nanosecond(time, stored):
    body = b'{"instances": [[1]]}'
    assert parse_event(_headers("request", "a", time), body).time == stored
    with pytest.raises(
        RejectedEvent, match=r"^ce-time '2026-13-31T23:59:60Z' is not an RFC 3339 timestamp$"
    ):
        parse_event(
            _headers("request", "a", "2026-13-31T23:59:60Z"), body
        )  # named as sent, not as rewritten


@pytest.mark.parametrize(
    "time",
    [
        "2026-11-22T10:31:60Z",  # was stored as 10:31:59.999999999Z
        "2026-12-31T23:58:60Z",
        "2026-12-31T23:59:60+01:00",  # 22:59 in UTC
        "2027-01-01T00:00:60Z",
    ],
)
def test_a_second_60_is_refused_unless_its_minute_is_23_59_utc(time):
    """RFC 3339 §5.7 (and §5.6's note: a leap second in local time is the one at UTC 23:59:60): a
    second 60 at any other UTC minute is no time, a 400 as before round 54."""
    with pytest.raises(
        RejectedEvent, match=rf"^ce-time '{re.escape(time)}' is not an RFC 3339 timestamp$"
    ):
        parse_event(_headers("request", "a", time), b'{"instances": [[1]]}')
