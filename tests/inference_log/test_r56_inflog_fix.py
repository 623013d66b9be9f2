"""Round 56 review (H3) of the round's inference-log commits 417145f1..89c15ae7.

1. ``_CONTENT_FIELDS`` was built from Event's fields, so round 56's ``recorded`` changed the legacy
   id of every id-less WAL line (a line of a WAL written before line ids): the carry a round-55 sink
   made of such a line (with the id round 55 derived) and the old line, both replayed after the
   upgrade, were two waiting requests of one call: an ambiguous id, half rows.
2. The redelivery key hashed a live event's body bytes as sent but a replayed one's body serialised
   again: a copy arriving after a restart matched its replayed original only when sent compact
   (``{"instances": [[1.0, 2.0]]}``, as Python's json writes it, was kept: half rows).
3. An empty response body was refused blaming a GET of model metadata, whose response is no empty.
4. KServe v0.20.0's agent logs every call through the predictor but kubelet probes
   (``pkg/logger/handler.go``), so a client's health or metadata GET made a 200 response event of the
   answer's JSON, stored as a lone response half with no prediction (one a poll of a readiness
   poller). The answers below are what kserve 0.20.0 (the serving venv's, the version the
   ctloop-sklearn runtime's ``kserve.ModelServer`` runs) answered these GETs with, routes from
   ``python/kserve/kserve/protocol/rest/server.py``, ``v1_endpoints.py``, ``v2_endpoints.py``,
   bodies from ``v2_datamodels.py`` and ``protocol/dataplane.py``.

Round 56 review (H3b) of 79adfb3c (item 4's fix):

5. The match was not exact: ``{"ready": false}``, ``{"name": "alice", "ready": false}``, ``{"models":
   []}``, a ``{"name", "version", "extensions"}`` of non-string extensions, model metadata whose tensors
   were any objects without ``data`` or whose ``versions`` was no list: real prediction or explain
   responses, refused (their request then a lone half). kserve 0.20.0 answers live, ready and model
   ready with 200 only when true (``v2_endpoints.py`` raises ``ServerNotLive``, ``ServerNotReady``,
   ``ModelNotReady`` otherwise; ``v1_endpoints.py`` ``model_ready`` too) and the agent logs a response
   only when 200; tensors are ``MetadataTensor`` (``name``, ``datatype``, ``shape``: str, str,
   list[int]), ``versions`` ``Optional[List[str]]``, ``extensions`` ``List[str]``
   (``v2_datamodels.py``).
6. The check ran on a structured CloudEvent body's ``data``: the model server never answers a GET
   as a CloudEvent.
7. The model repository extension (``model_server.py`` registers it, ``v2_endpoints.py`` routes
   ``POST /v2/repository/models/{name}/load|unload``): a POST without a body, its request refused
   blaming a GET, its answer ``{"name": m, "load": true}`` kept as a lone response half.
8. A blob record with no ``bytes`` key (v0.20.0 ``handler.go`` always sets ``Bytes: &body``, written
   ``""`` when empty) was counted ``not_inference``, not as damaged.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from ctloop.inference_log.blob_import import decode_object
from ctloop.inference_log.events import Event, RejectedEvent, parse_event
from ctloop.inference_log.sink import _legacy_wal_id
from tests.inference_log.support import kserve_headers, parquet_rows, sink_client, told_sink
from tests.inference_log.test_fix43b_grpc_records import _record
from tests.inference_log.test_r56_redelivered_events import REQUEST, RESPONSE, _headers, _rows

# a request line of a WAL written before line ids (no wal_id, stamped or recorded)
OLD_LINE = (
    b'{"id":"call-7","kind":"request","model":"credit","namespace":"ns","component":"predictor",'
    b'"revision":"","source":"http://localhost:9081/","time":"2026-11-22T10:31:02.417000Z",'
    b'"metadata":null,"model_version":"","body":{"instances":[[1.0,2.0]]}}'
)
# its legacy id as 5baf3ab6's code (round 55's last sink) derives it: computed with that commit's
# src/ctloop/inference_log/sink.py _legacy_wal_id, written here as a literal
ROUND_55_ID = "legacy-1b576be9d55b4b7d26401cf22617ac4d-1"
# the carry 5baf3ab6's flush wrote of it (Event.to_wal with that id)
ROUND_55_CARRY = (
    b'{"id":"call-7","kind":"request","model":"credit","namespace":"ns","component":"predictor",'
    b'"revision":"","source":"http://localhost:9081/","time":"2026-11-22T10:31:02.417Z","metadata":null,'
    b'"model_version":"","wal_id":"'
    + ROUND_55_ID.encode()
    + b'","stamped":false,"body":{"instances":[[1.0,2.0]]}}'
)


def test_an_id_less_line_keeps_the_legacy_id_round_55_gave_it(tmp_path):
    # main: legacy-2c5e…
    assert _legacy_wal_id(Event.from_json(OLD_LINE), OLD_LINE, {}) == ROUND_55_ID
    wal = tmp_path / "wal"
    wal.mkdir()
    # a round-55 sink replayed the old line, carried it, and crashed before deleting the old segment
    (wal / f"segment-{1:020d}-aaaaaa.wal").write_bytes(OLD_LINE + b"\n")
    (wal / f"segment-{2:020d}-bbbbbb.wal").write_bytes(ROUND_55_CARRY + b"\n")

    async def upgraded():
        sink = told_sink(tmp_path)
        await sink.start()
        response = kserve_headers("response", "call-7", "2026-11-22T10:31:02.517Z")
        await sink.submit(parse_event(response, b'{"predictions": [0]}'))
        await sink.stop()
        return sink.stats

    stats = asyncio.run(upgraded())
    assert (stats.duplicate_ids, stats.ambiguous_ids) == (1, 0)  # main: (1, 1)
    assert _rows(tmp_path / "root") == [(True, True)]  # main: three half rows


def test_a_copy_after_a_restart_is_joined_once_as_python_clients_space_it(tmp_path):
    assert b", " in REQUEST  # json.dumps' separators, not the compact bytes orjson writes again

    async def crash():
        first = told_sink(tmp_path)
        await first.start()
        await first.submit(parse_event(_headers("request"), REQUEST))
        # the pod killed with the request waiting; the mesh then retries its POST
        await first.abandon()

    async def restart():
        second = told_sink(tmp_path)
        await second.start()  # replays the original
        await second.submit(parse_event(_headers("request"), REQUEST))  # the copy, live
        await second.submit(parse_event(_headers("response"), RESPONSE))
        await second.stop()
        return second.stats.duplicate_ids, second.stats.ambiguous_ids

    asyncio.run(crash())
    assert asyncio.run(restart()) == (1, 0)  # main: (1, 1), the id ambiguous
    assert _rows(tmp_path / "root") == [(True, True)]


def test_an_empty_response_body_is_not_blamed_on_a_get():
    with pytest.raises(RejectedEvent) as refused:
        parse_event(kserve_headers("response", "r-1"), b"")
    assert (refused.value.status, refused.value.code) == (400, "not_inference")
    assert str(refused.value) == (
        "response body is empty: no prediction to log (KServe's agent sends one for a call answered 200 without a "
        "body)"
    )


# (path, answer) as kserve 0.20.0's REST server answered GETs (200) for a model "credit" of no declared
# tensors (the ctloop-sklearn runtime declares none), plus model metadata with declared tensors
GET_ANSWERS = [
    ("/", {"status": "alive"}),
    ("/v1/models", {"models": ["credit"]}),
    ("/v1/models/credit", {"name": "credit", "ready": True}),
    ("/v2", {"name": "kserve", "version": "0.20.0", "extensions": ["model_repository_extension"]}),
    ("/v2/health/live", {"live": True}),
    ("/v2/health/ready", {"ready": True}),
    ("/v2/models", {"models": ["credit"]}),
    ("/v1/models", {"models": []}),  # after an unload of the only model (ModelRepository.unload; review r13)
    (
        "/v2/models/credit",
        {"name": "credit", "versions": None, "platform": "", "inputs": [], "outputs": []},
    ),
    (
        "/v2/models/credit",
        {
            "name": "credit",
            "versions": None,
            "platform": "",
            "inputs": [{"name": "x", "datatype": "FP64", "shape": [-1, 2]}],
            "outputs": [{"name": "p", "datatype": "INT64", "shape": [-1]}],
        },
    ),
    ("/v2/models/credit/ready", {"name": "credit", "ready": True}),
    # the model repository extension: POSTs without a body (v2_endpoints.py load/unload)
    ("POST /v2/repository/models/credit/load", {"name": "credit", "load": True}),
    ("POST /v2/repository/models/credit/unload", {"name": "credit", "unload": True}),
]
# inferences whose bodies are like those answers: stored as ever
INFERENCES = [
    {"predictions": [{"name": "credit", "ready": True}]},
    {
        "model_name": "credit",
        "id": "1",
        "outputs": [{"name": "p", "datatype": "INT64", "shape": [1], "data": [1]}],
    },
    {
        "name": "credit",
        "platform": "",
        "inputs": [],
        "outputs": [{"name": "p", "shape": [1], "datatype": "INT64", "data": [0]}],
    },
    {"status": "approved"},  # a custom predictor's own answer
    {"ready": "yes"},
    # like the answers but no 200 answer of kserve 0.20.0: live/ready only when true, tensors
    # exactly MetadataTensor, versions a list of str, extensions str (review H3b)
    {"ready": False},
    {"live": False},
    {"name": "alice", "ready": False},
    {"name": "c", "version": "1", "extensions": [1, {}]},
    {
        "name": "credit",
        "platform": "sklearn",
        "inputs": [{"x": 1}],
        "outputs": [{"label": "a", "score": 0.9}],
    },
    {"name": "x", "versions": {"a": 1}, "platform": "", "inputs": [], "outputs": []},
    {
        "name": "x",
        "platform": "",
        "inputs": [{"name": "a", "datatype": "FP64", "shape": ["n"]}],
        "outputs": [],
    },
    {"name": "credit", "load": False},
    {"name": "credit", "unload": "done"},
]


def _get(kind: str, event_id: str) -> dict[str, str]:
    """A GET's event: the agent gives both the request's Content-Type (handler.go), here none (curl's)."""
    return {k: v for k, v in kserve_headers(kind, event_id).items() if k != "content-type"}


def test_kserve_get_answers_are_refused_and_counted_inferences_alike_are_kept(tmp_path):
    async def scenario():
        async with sink_client(tmp_path) as (sink, c):
            answers = []
            for i, (path, body) in enumerate(GET_ANSWERS):
                ask = await c.post("/", headers=_get("request", f"get-{i}"), content=b"")
                got = await c.post(
                    "/", headers=_get("response", f"get-{i}"), content=json.dumps(body)
                )
                answers.append((path, ask.status_code, got.status_code, got.json()))
            for i, body in enumerate(INFERENCES):
                ok = await c.post(
                    "/", headers=kserve_headers("response", f"call-{i}"), content=json.dumps(body)
                )
                assert ok.status_code == 200, (body, ok.text)
            await sink.flush(final=True)
            metrics = (await c.get("/metrics")).text
            return answers, sink.stats.rejected, metrics

    answers, rejected, metrics = asyncio.run(scenario())
    # main: 400 and 200, the answer a lone response half
    for path, asked, answered, text in answers:
        assert (asked, answered) == (400, 400), (path, text)
        method = "POST" if path.startswith("POST ") else "GET"
        assert text["error"].startswith(
            f"response body is the model server's answer to {method} /"
        ), text
        if method == "POST":
            assert text["error"].startswith(
                f"response body is the model server's answer to {path},"
            ), text
    assert answers[2][3]["error"] == (
        "response body is the model server's answer to GET /v1/models/credit or /v2/models/credit/ready, no inference: "
        "not logged (KServe's agent logs every call through the predictor but kubelet probes)"
    )
    assert rejected == {"not_inference": 2 * len(GET_ANSWERS)}
    assert (
        f'ctloop_log_events_rejected_total{{reason="not_inference"}} {2 * len(GET_ANSWERS)}'
        in metrics
    )
    rows = parquet_rows(tmp_path / "root")
    assert sorted(rows.request_id) == sorted(f"call-{i}" for i in range(len(INFERENCES)))


def test_a_blob_object_of_a_gets_two_records_counts_them_as_not_inference():
    def record(kind: str, body: bytes) -> dict:
        return {
            **_record("", body),
            "reqType": f"org.kubeflow.serving.inference.{kind}",
            "id": "get-1",
        }

    data = json.dumps([record("request", b""), record("response", b'{"live":true}')]).encode()
    decoded = decode_object("kserve/credit/0001.json", data)
    assert not decoded.events
    assert decoded.skipped == {"not_inference": 2}  # main: {"bad_json": 1}, the answer an event


def test_a_cloudevent_body_is_never_taken_for_a_get_answer():
    # the model server reads a structured CloudEvent body's data but never answers a GET with one
    wrapped = {
        "time": "2026-12-07T10:00:00Z",
        "type": "my.prediction",
        "source": "credit",
        "id": "ce-1",
        "specversion": "1.0",
        "data": {"ready": True},
    }
    event = parse_event(kserve_headers("response", "r-1"), json.dumps(wrapped).encode())
    assert event.body == {"ready": True}  # main: refused 400 not_inference


def test_an_empty_request_is_not_blamed_on_a_get_only():
    with pytest.raises(RejectedEvent) as refused:
        parse_event(kserve_headers("request", "r-1"), b"")
    assert str(refused.value) == (
        "request body is empty: no inference to log (KServe's agent sends one for a call without a body through "
        "the predictor: a GET of health or metadata, or a POST of the model repository's load or unload)"
    )


def test_a_blob_record_without_bytes_is_damaged_not_a_get():
    record = {**_record("", b""), "reqType": "org.kubeflow.serving.inference.request", "id": "r-1"}
    del record["bytes"]
    decoded = decode_object("kserve/credit/0002.json", json.dumps([record]).encode())
    assert decoded.skipped == {"bad_base64": 1}  # main: {"not_inference": 1}
    assert decoded.example["bad_base64"].endswith(
        "no bytes: a damaged record (KServe's agent writes one always)"
    )


def test_a_replayed_line_gives_back_its_body_bytes_only_when_exact():
    # review H3b item 5: the redelivery key hashed every body serialised again (19 MB: 136 ms against
    # 16 ms for the bytes); a replayed line now gives back the body bytes to_wal wrote (the live
    # event's raw), so both paths hash the bytes, and None (the body serialised again) when the line
    # is not exactly the other keys as orjson writes them, then the body
    event = parse_event(_headers("request"), REQUEST)
    line = event.to_wal()
    assert Event.from_json(line).raw == event.raw == REQUEST  # main: None
    # a line of another writer (the body not last, or spaced): no bytes, the body serialised again
    data = json.loads(line)
    assert Event.from_json(json.dumps(data).encode()).raw is None
    body_first = json.dumps({"body": data.pop("body"), **data}, separators=(",", ":")).encode()
    assert Event.from_json(body_first).raw is None
    # a body scrubbed on replay (a lone surrogate) is not the line's bytes; an escaped emoji is
    scrubbed = line.replace(b"[[1.0, 2.0]]", b'[["\\ud800"]]')
    assert scrubbed != line and Event.from_json(scrubbed).raw is None
    emoji = line.replace(b"[[1.0, 2.0]]", b'[["\\ud83d\\ude00"]]')
    assert Event.from_json(emoji).raw == REQUEST.replace(b"[[1.0, 2.0]]", b'[["\\ud83d\\ude00"]]')
