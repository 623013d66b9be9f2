"""A v2 tensor whose data is nested deeper than its shape is refused (review 42 H1 item 5). Fix 42 C
made the rank-3+ check look at list lengths only, so a ``[1, 2, 2]`` tensor sent as one row of four
pairs passed as the ``[N, k]`` nesting and its pairs were stored as the strings ``"[1.0,2.0]"``
(a ``[1, 2]`` tensor nested one level too deep passed the same way, before fix 42 C too). The check
now also looks at the first item of each innermost list, one check per list and still none per
value (``test_fix42c_rank3_check_cost.py``).
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from ctloop.inference_log.app import create_app
from ctloop.inference_log.events import PayloadError, check_payload, request_rows
from ctloop.inference_log.sink import Sink
from tests.inference_log.test_fix42c_server_made_ids import _headers

OVER_DEEP = {
    "rank3-rows-of-pairs": ([1, 2, 2], [[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]], "does not fit"),
    "rank3-shape-one-level-more": ([1, 2, 2], [[[[1.0], [2.0]], [[3.0], [4.0]]]], "does not fit"),
    "rank3-shape-two-levels-more": ([1, 2, 1], [[[[1.0, 2.0]], [[3.0, 4.0]]]], "does not fit"),
    "rank2-rows-of-pairs": ([1, 2], [[[1.0, 2.0], [3.0, 4.0]]], "not 1 rows of 2 values"),
}


@pytest.mark.parametrize("case", list(OVER_DEEP))
def test_data_nested_deeper_than_the_shape_is_refused(case):
    shape, data, message = OVER_DEEP[case]
    body = {"inputs": [{"name": "v", "shape": shape, "datatype": "FP32", "data": data}]}
    with pytest.raises(PayloadError, match=message):
        check_payload("request", body)


def test_the_sink_answers_400_and_stores_nothing(tmp_path):
    shape, data, _ = OVER_DEEP["rank3-rows-of-pairs"]

    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            body = {"inputs": [{"name": "v", "shape": shape, "datatype": "FP32", "data": data}]}
            reply = await c.post("/", headers=_headers("request", 0), content=json.dumps(body))
            await sink.flush(final=True)
        await sink.stop()
        return reply

    reply = asyncio.run(scenario())
    assert reply.status_code == 400  # was 200, stored v_0 = "[1.0,2.0]"
    assert "'v' has shape [1, 2, 2]" in reply.text
    assert not list((tmp_path / "root").rglob("*.parquet"))


@pytest.mark.parametrize("shape, data", [([1, 2, 1], [[[1.0], [2.0]]]), ([1, 2], [[1.0, 2.0]]), ([2, 1, 1], [[[1.0]], [[2.0]]])],
                         ids=["rank3-nested", "rank2-nested", "rank3-two-rows"])
def test_data_nested_as_the_shape_says_still_passes(shape, data):
    body = {"inputs": [{"name": "v", "shape": shape, "datatype": "FP32", "data": data}]}
    check_payload("request", body)
    assert [v for row in request_rows(body) for v in row.values()] == [1.0, 2.0]
