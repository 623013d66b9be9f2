"""Two identical calls in two retained old-format WAL segments (no ``wal_id``: an older ctloop's WAL at
the upgrade restart, its Parquet writes failing so both segments stayed) are two calls, both written
(review 42 C, item 4). :func:`sink._legacy_wal_id` numbers alike lines per segment, so both requests
get ``legacy-<digest>-1``; the replay's "line already replayed" drop (round 42) took the second pair
for a copy of the first and lost it. That drop now applies to the ids the sink issues only; a legacy
line's copy is still recognised while its original waits (fix41j2).
"""

from __future__ import annotations

import asyncio

from ctloop.inference_log.events import parse_event
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import parquet_rows
from tests.inference_log.test_fix41c_replayed_copy import _headers


def _old(kind: str, body: bytes) -> bytes:
    line = parse_event(_headers(kind), body).to_wal().replace(b',"wal_id":""', b"")
    assert b"wal_id" not in line  # a line of a WAL written before wal_id
    return line


def test_alike_old_calls_in_two_segments_are_both_written(tmp_path):
    pair = _old("request", b'{"instances": [{"x": 1.0}]}') + b"\n" + _old("response", b'{"predictions": [1]}') + b"\n"
    wal = tmp_path / "wal"
    wal.mkdir()
    (wal / f"segment-{1:020d}-aaaaaa.wal").write_bytes(pair)
    (wal / f"segment-{2:020d}-bbbbbb.wal").write_bytes(pair)

    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(wal), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        await sink.flush(final=True)
        duplicates = sink.stats.duplicate_ids
        await sink.stop()
        return duplicates

    duplicates = asyncio.run(scenario())
    rows = parquet_rows(tmp_path / "root")
    assert len(rows) == 2  # was 1: the second call dropped as "already replayed"
    assert rows["has_request"].all() and rows["has_response"].all()
    assert duplicates == 0  # was 2
