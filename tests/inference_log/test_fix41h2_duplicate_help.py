"""The HELP of ctloop_log_duplicate_ids_total says what happens to such events (fix round 41h2, review h2
finding 2): a second call's event is kept (its id ambiguous), a WAL line replayed twice is kept once.
It said "(both kept)", untrue since replayed copies are dropped."""

from __future__ import annotations

import asyncio

import httpx

from ctloop.inference_log.app import create_app
from ctloop.inference_log.sink import Sink


def test_duplicate_ids_help_says_replayed_lines_are_kept_once(tmp_path):
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            text = (await c.get("/metrics")).text
        await sink.stop()
        return text

    help_line = next(line for line in asyncio.run(scenario()).splitlines()
                     if line.startswith("# HELP ctloop_log_duplicate_ids_total"))
    assert "both kept" not in help_line
    assert "kept once" in help_line and "ambiguous" in help_line
