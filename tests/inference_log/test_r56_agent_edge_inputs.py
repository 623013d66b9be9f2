"""Round 56: what KServe's agent (v0.20.0) can send that no inference call makes.

``pkg/logger/handler.go`` logs every call it proxies but kubelet probes: it reads the body whole
(``io.ReadAll``) and queues a request event whatever it holds, so a call without a body (a GET of
model metadata through the predictor's port) is a request event with an empty body. On main it
was refused as "body must be a JSON object (v1 'instances'/…)", which read as a malformed
inference; now the one line says the body is empty and why the agent sends one. Still refused
(400, never acknowledged): there is no inference to log; counted ``not_inference`` since the H3
review, as the GET's answer is (test_r56_inflog_fix.py).

The agent's header values are as the client sent them (sdk-go does not percent-encode): a
``Ce-Id`` holding ``%FF`` is kept as sent, and the pair still joins under it.
"""

from __future__ import annotations

import asyncio
import json

from tests.inference_log.support import kserve_headers, parquet_rows, sink_client


def test_an_empty_request_body_is_one_line_saying_so_and_nothing_is_stored(tmp_path):
    async def scenario():
        async with sink_client(tmp_path) as (sink, c):
            empty = await c.post("/", headers=kserve_headers("request", "get-1"), content=b"")
            for kind, body in (
                ("request", {"instances": [[1.0]]}),
                ("response", {"predictions": [0]}),
            ):
                answer = await c.post(
                    "/", headers=kserve_headers(kind, "pct%FF%FE"), content=json.dumps(body)
                )
                assert answer.status_code == 200, answer.text
            await sink.flush(final=True)
            return empty, sink.stats.rejected

    empty, rejected = asyncio.run(scenario())
    assert empty.status_code == 400 and rejected == {"not_inference": 1}
    assert empty.json() == {
        "error": "request body is empty: no inference to log (KServe's agent sends one for a call without a "
        "body through the predictor: a GET of health or metadata, or a POST of the model repository's load or "
        "unload)"
    }
    rows = parquet_rows(tmp_path / "root")
    assert list(rows.request_id) == ["pct%FF%FE"] and bool(
        rows.has_request[0] and rows.has_response[0]
    )
