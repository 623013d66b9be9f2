"""Round 55: ``ce-time`` is read as what the CloudEvents spec (v1.0.2, ``time``: an RFC 3339
timestamp) says it is, and stored in one form. KServe v0.20.0's agent sets it once per event
(``pkg/logger/handler.go``: ``OccurrenceTime`` the request's arrival or the response's end;
``worker.go``: ``event.SetTime``, one ``c.Send``, no retry), so a refusal loses the event: only what
is no RFC 3339 time is refused, with one line naming ``ce-time`` and the value.

What failed before: an offset past ``23:59`` (``+00:60``) was taken by Python's ISO 8601 parser
as one hour; a fraction past nine digits was stored as sent; an offset's time kept only its
microseconds (so a later event could be stored before an earlier one); a leap second without an
offset was a 400 although any other time without an offset is read as UTC."""

from __future__ import annotations

import asyncio
import re

import httpx
import pandas as pd
import pytest

from ctloop.inference_log.app import create_app
from ctloop.inference_log.events import RejectedEvent, parse_event
from ctloop.inference_log.reader import utc_times
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import kserve_headers, parquet_rows

BODY = b'{"instances": [[1]]}'


def _stored(time: str) -> str:
    return parse_event(kserve_headers("request", "a", time), BODY).time


def _refused(time: str) -> None:
    with pytest.raises(
        RejectedEvent, match=rf"^ce-time '{re.escape(time)}' is not an RFC 3339 timestamp$"
    ):
        _stored(time)


@pytest.mark.parametrize(
    "time",
    [
        "2026-11-22T10:31:02+00:60",  # was taken as +01:00
        "2026-11-22T10:31:02-00:60",  # was taken as -01:00
        "2026-11-22T10:31:02+23:60",
        "2026-11-22T10:31:02+24:00",
        "2026-11-22T10:31:02-99:00",
    ],
)
def test_an_offset_outside_rfc_3339s_hours_and_minutes_is_refused(time):
    """RFC 3339 §5.6: time-numoffset = ("+" / "-") time-hour ":" time-minute, time-hour 00-23,
    time-minute 00-59."""
    _refused(time)


@pytest.mark.parametrize(
    "time",
    [
        "2026-11-22",  # a date alone: was midnight UTC
        "2026-11-22T10:31Z",  # no seconds
        "20261122T103102Z",  # ISO 8601 basic format
        "2026-W47-7T10:31:02Z",  # a week date
        "2026-11-22T10:31:02,5Z",  # a comma fraction
        "2026-11-22T10:31:02.Z",  # a point without digits
        "2026-11-22T10:31:02+0100",
        "2026-11-22T10:31:02+01",
        "2026-11-22T10:31:02+01:00:30",  # seconds in the offset
        "２０２６-11-22T10:31:02Z",  # non-ASCII digits
    ],
)
def test_iso_8601_forms_that_are_no_rfc_3339_date_time_are_refused(time):
    _refused(time)


@pytest.mark.parametrize(
    "time, stored",
    [
        # the agent's own form, as sent
        ("2026-11-22T10:31:02.417396123Z", "2026-11-22T10:31:02.417396123Z"),
        # was stored as sent
        ("2026-11-22T10:31:02.1234567891999Z", "2026-11-22T10:31:02.123456789Z"),
        # truncated: on its day
        ("2026-12-31T23:59:59.99999999999Z", "2026-12-31T23:59:59.999999999Z"),
        # was …02.123456+00:00
        ("2026-11-22T11:31:02.123456789+01:00", "2026-11-22T10:31:02.123456789Z"),
        ("2026-11-22T10:31:02.500+00:00", "2026-11-22T10:31:02.5Z"),
        ("2026-11-22T10:31:02.000000000Z", "2026-11-22T10:31:02Z"),
        ("2026-11-22t10:31:02-00:00", "2026-11-22T10:31:02Z"),
        ("2026-11-22 10:31:02", "2026-11-22T10:31:02Z"),  # no offset: UTC, as before
    ],
)
def test_every_time_is_stored_as_utc_rfc3339nano_cut_to_nanoseconds(time, stored):
    """One text per instant: Go's time.RFC3339Nano of UTC (KServe's agent's own form, kept as sent);
    a longer fraction truncated, never rounded into the next second (or day: another partition)."""
    assert _stored(time) == stored


def test_an_offset_time_keeps_its_nanoseconds_so_order_holds():
    """A request stamped …02.1234565Z and a later event stamped with an offset at …02.1234569 (UTC):
    the offset one was stored as …02.123456+00:00, before the first."""
    first, later = (
        _stored("2026-11-22T10:31:02.1234565Z"),
        _stored("2026-11-22T12:31:02.1234569+02:00"),
    )
    parsed = utc_times(pd.Series([first, later]))
    assert parsed[0] < parsed[1], (first, later)


@pytest.mark.parametrize(
    "time, stored",
    [
        ("2026-12-31T23:59:60", "2026-12-31T23:59:59.999999999Z"),  # no offset (UTC): was a 400
        ("2026-12-31 23:59:60.25", "2026-12-31T23:59:59.999999999Z"),  # was a 400
        ("2026-12-31T18:59:60-05:00", "2026-12-31T23:59:59.999999999Z"),
        ("2027-01-01T05:29:60.5+05:30", "2026-12-31T23:59:59.999999999Z"),
        ("2026-06-30T23:59:60.1234567891234Z", "2026-06-30T23:59:59.999999999Z"),
    ],
)
def test_a_leap_second_is_taken_where_its_utc_minute_is_23_59_with_or_without_an_offset(
    time, stored
):
    assert _stored(time) == stored


@pytest.mark.parametrize(
    "time",
    [
        "2026-12-31T22:59:60",
        "2026-12-31T23:59:60+00:30",
        "2027-01-01T05:30:60+05:30",
        "2026-12-31T23:59:61",
    ],
)
def test_a_second_60_elsewhere_is_refused_with_or_without_an_offset(time):
    _refused(time)


def test_the_sink_refuses_a_bad_offset_in_one_line_and_stores_the_rest_normalised(tmp_path):
    events = [
        ("bad-offset", "2026-11-22T10:31:02+00:60"),
        ("long-fraction", "2026-11-22T10:31:02.1234567891999Z"),
        ("leap-no-offset", "2026-12-31T23:59:60"),
    ]

    async def scenario():
        sink = Sink(
            str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6
        )
        await sink.start()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s"
        ) as c:
            answers = [
                await c.post("/", headers=kserve_headers("request", i, t), content=BODY)
                for i, t in events
            ]
        await sink.flush(final=True)
        await sink.stop()
        return answers

    answers = asyncio.run(scenario())
    assert [a.status_code for a in answers] == [400, 200, 200], [a.text for a in answers]
    assert (
        answers[0].json()["error"]
        == "ce-time '2026-11-22T10:31:02+00:60' is not an RFC 3339 timestamp"
    )
    rows = parquet_rows(tmp_path / "root")
    assert dict(zip(rows["request_id"], rows["time"], strict=True)) == {
        "long-fraction": "2026-11-22T10:31:02.123456789Z",
        "leap-no-offset": "2026-12-31T23:59:59.999999999Z",
    }
