"""What the sink answers an event that comes once its final flush has committed (round 57).

KServe v0.20.0's agent sends each event once and never retries (``pkg/logger/worker.go``
``sendHttpCloudEvent``: one ``c.Send``, the status only logged), so an event the sink cannot
store any more must be told so at once, never acknowledged. Before round 57 an event that came
after the final flush's commit (a connection still open once ``--drain-timeout-seconds`` ran
out) was put in a batch no commit would ever take: its answer never came, the process exited
with the client still waiting, and nothing counted it.
"""

from __future__ import annotations

import asyncio

import httpx

from ctloop.inference_log.app import create_app
from tests.inference_log.support import kserve_headers, parquet_rows, told_sink

REQUEST = b'{"instances": [{"x": 1.0}]}'


def test_an_event_after_the_final_commit_is_answered_503_not_left_waiting(tmp_path):
    during, after, sink = asyncio.run(_stop_while_posting(tmp_path))
    for answer in (during, after):
        assert answer.status_code == 503, answer.text
        assert "stopping" in answer.json()["error"], answer.text
    assert set(parquet_rows(tmp_path / "root").request_id) == {"before"}
    assert sink.stats.unavailable == 2 and sink.stats.accepted == 1
    assert not list((tmp_path / "wal").glob("*.wal"))


async def _stop_while_posting(tmp_path):
    """The answers to an event posted while the final flush writes and to one posted once the sink stopped."""
    sink = told_sink(tmp_path)
    await sink.start()
    late: dict[str, asyncio.Task] = {}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s"
    ) as c:
        first = await c.post("/", headers=kserve_headers("request", "before"), content=REQUEST)
        assert first.status_code == 200
        sync_types = sink._sync_types

        # a seam: the final flush has committed, its Parquet write is next
        async def after_the_final_commit(pending):
            late["during"] = asyncio.create_task(
                c.post("/", headers=kserve_headers("request", "during"), content=REQUEST)
            )
            await asyncio.sleep(0.05)  # the post reaches the sink
            return await sync_types(pending)

        sink._sync_types = after_the_final_commit
        await sink.stop()
        during = await asyncio.wait_for(late["during"], 2)  # before: never answered (TimeoutError)
        after = await asyncio.wait_for(
            c.post("/", headers=kserve_headers("request", "after"), content=REQUEST), 2
        )
    return during, after, sink
