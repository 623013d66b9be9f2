"""Poison pills and a dying sink: one bad record never stops ingest; a sink that cannot make events
durable says so (503 to every waiting and later event, /healthz and /readyz 503) instead of hanging."""

import asyncio
import json
import shutil
import subprocess

import httpx
import pandas as pd
import pytest

from ctloop.inference_log.app import create_app
from ctloop.inference_log.events import Event
from ctloop.inference_log.sink import QUARANTINE_DIR, Sink, SinkUnavailable
from tests.inference_log.support import event, parquet_rows, wal_events


def unvalidated(i: int, body) -> Event:
    """An event that never went through parse_event (a WAL line of an older version)."""
    return Event(id=f"bad{i}", kind="request", model="credit-default", namespace="ctloop", component="predictor",
                 revision="", source="http://localhost:9081/", time="2026-11-22T10:31:02Z", body=body)


def response_to(ce_id: str) -> Event:
    e = event(0, "response")
    e.id = ce_id
    return e


def quarantine_records(root) -> list[dict]:
    return [json.loads(line) for p in sorted((root / QUARANTINE_DIR).rglob("*.jsonl"))
            for line in p.read_text().splitlines()]


# {"inputs": None}: a scalar "inputs" is TF Serving's columnar <value> (g3doc/api_rest.md; accepted since round 39), null is none
@pytest.mark.parametrize("body", [{"instances": 5}, {"inputs": None}, {"inputs": [{"name": "a", "data": 3}]}])
def test_a_poison_pill_is_acknowledged_quarantined_and_the_committer_keeps_going(tmp_path, body):
    """Before: join raised inside the commit, the committer task died, this accept and every later
    one waited forever while /healthz said 200."""
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        await asyncio.wait_for(sink.accept(unvalidated(0, body)), timeout=5)
        # its response completes the pair: the join runs inside the commit
        await asyncio.wait_for(sink.accept(response_to("bad0")), timeout=5)
        for i in range(3):  # the events after it are still taken
            await asyncio.wait_for(sink.accept(event(i, "request")), timeout=5)
            await asyncio.wait_for(sink.accept(event(i, "response")), timeout=5)
        assert sink.failure is None
        await sink.flush(final=True)
        metrics = sink.metrics_text()
        await sink.stop()
        return metrics
    metrics = asyncio.run(scenario())
    assert sorted(parquet_rows(tmp_path / "root").request_id) == ["id0", "id1", "id2"]
    (record,) = quarantine_records(tmp_path / "root")
    assert record["request"]["id"] == "bad0" and record["request"]["body"] == body
    assert record["response"]["body"] == {"predictions": [1], "model_version": "2"}
    assert "must be a" in record["reason"]
    assert "ctloop_log_quarantined_total 1" in metrics and "ctloop_log_healthy 1" in metrics


def pair(ce_id: str, instances: int, predictions: int) -> tuple[Event, Event]:
    req, resp = event(0, "request"), event(0, "response")
    req.id = resp.id = ce_id
    req.body, req.raw = {"instances": [{"x": i} for i in range(instances)]}, None
    resp.body, resp.raw = {"predictions": [0.5] * predictions, "model_version": "2"}, None
    return req, resp


def accept_all(tmp_path, events) -> str:
    """Accept ``events`` into a sink at ``tmp_path/root``, flush it, stop it: its metrics text."""
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        for e in events:
            await asyncio.wait_for(sink.accept(e), timeout=5)
        await sink.flush(final=True)
        metrics = sink.metrics_text()
        await sink.stop()
        return metrics
    return asyncio.run(scenario())


def test_a_response_whose_prediction_count_differs_from_the_instances_is_not_served(tmp_path):
    """Before: 3 instances and 2 predictions gave 3 rows with has_response true, the third with a
    null prediction, and reader.served() counted it; 1 instance and 2 predictions gave a row of a
    prediction without features. Now the request's rows are written without a response, the pair
    is quarantined with the reason and counted."""
    from ctloop.inference_log.reader import served

    metrics = accept_all(tmp_path, (*pair("fewer", 3, 2), *pair("more", 1, 2), *pair("ok", 2, 2)))
    rows = parquet_rows(tmp_path / "root")
    assert sorted(rows.request_id) == ["fewer"] * 3 + ["more"] + ["ok"] * 2  # every request's features
    assert served(rows).request_id.tolist() == ["ok", "ok"]
    assert rows[rows.request_id != "ok"].prediction.isna().all()
    records = {r["request"]["id"]: r for r in quarantine_records(tmp_path / "root")}
    assert sorted(records) == ["fewer", "more"]
    assert "2 predictions for 3 instances" in records["fewer"]["reason"]
    assert records["fewer"]["response"]["body"]["predictions"] == [0.5, 0.5]  # kept verbatim
    assert "ctloop_log_mismatched_pairs_total 2" in metrics and "ctloop_log_quarantined_total 2" in metrics


def test_a_v2_response_whose_row_count_differs_from_the_inputs_is_not_served(tmp_path):
    """The v2 twin of the test above (KServe v0.20.0 python/kserve/kserve/utils/utils.py
    get_predict_response: an output's shape[0] is one row per input row). Before: 3 input rows
    and 2 output rows gave 3 rows with has_response true, the third with a null prediction."""
    from ctloop.inference_log.reader import served

    def v2(ce_id, inputs, outputs):
        req, resp = pair(ce_id, 0, 0)
        req.body = {"inputs": [{"name": "x", "shape": [inputs], "datatype": "FP64", "data": [1.0] * inputs}]}
        resp.body = {"outputs": [{"name": "p", "shape": [outputs], "datatype": "FP64", "data": [0.5] * outputs}],
                     "model_version": "2"}
        return req, resp

    metrics = accept_all(tmp_path, (*v2("fewer", 3, 2), *v2("ok", 2, 2)))
    rows = parquet_rows(tmp_path / "root")
    assert sorted(rows.request_id) == ["fewer"] * 3 + ["ok"] * 2
    assert served(rows).request_id.tolist() == ["ok", "ok"]
    (record,) = quarantine_records(tmp_path / "root")
    assert "output 'p' has 2 row(s) (shape[0]) for the request's 3" in record["reason"]
    assert record["response"]["body"]["outputs"][0]["data"] == [0.5, 0.5]
    assert "ctloop_log_mismatched_pairs_total 1" in metrics


def test_a_poison_pill_in_the_wal_does_not_crash_loop_the_replay(tmp_path):
    """The same record replayed at start-up: before, start raised and the pod crash-looped."""
    wal = tmp_path / "wal"
    wal.mkdir()
    (wal / "segment-00000000000000000001-bbbbbb.wal").write_text(
        unvalidated(0, {"instances": 5}).to_json() + "\n"
        + event(1, "request").to_json() + "\n" + event(1, "response").to_json() + "\n")

    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(wal), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        healthy = sink.failure is None
        await sink.stop()
        return healthy
    assert asyncio.run(scenario())
    assert parquet_rows(tmp_path / "root").request_id.tolist() == ["id1"]
    assert [r["request"]["id"] for r in quarantine_records(tmp_path / "root")] == ["bad0"]
    assert not list(wal.glob("*.wal"))
    # the quarantine is outside every model= partition the monitoring jobs read
    from ctloop.inference_log.reader import read_parquet_tree
    assert read_parquet_tree(str(tmp_path / "root" / "model=credit-default")).request_id.tolist() == ["id1"]


async def broken_wal_sink(tmp_path) -> Sink:
    """A sink whose WAL segment is on a full disk: /dev/full fails every write with ENOSPC."""
    sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
    await sink.start()
    sink._wal.close()
    sink._wal = open("/dev/full", "ab", buffering=1 << 20)
    return sink


def test_a_wal_write_error_fails_every_waiting_event_and_the_health_checks(tmp_path):
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        await sink.accept(event(0, "request"))  # acknowledged before the disk filled up
        await sink.accept(event(0, "response"))
        sink._wal.close()
        sink._wal = open("/dev/full", "ab", buffering=1 << 20)
        waiting = [asyncio.create_task(sink.accept(event(i, "request"))) for i in range(1, 11)]
        done, pending = await asyncio.wait(waiting, timeout=5)
        assert not pending, "events waiting for the commit hang instead of failing"
        assert all(isinstance(t.exception(), SinkUnavailable) for t in done)
        assert "No space left on device" in sink.failure
        with pytest.raises(SinkUnavailable, match="No space left"):  # later events fail at once
            await asyncio.wait_for(sink.accept(event(11, "request")), timeout=1)
        with pytest.raises(SinkUnavailable):
            await sink.flush()
        metrics = sink.metrics_text()
        await sink.stop()  # does not raise, deletes nothing
        return metrics
    metrics = asyncio.run(scenario())
    assert "ctloop_log_healthy 0" in metrics
    assert "id0" in wal_events(tmp_path / "wal")  # kept for the replay ...

    async def restart():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        await sink.stop()
    asyncio.run(restart())  # ... which writes it
    assert "id0" in set(parquet_rows(tmp_path / "root").request_id)


async def http(app, method: str, path: str, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sink") as client:
        return await client.request(method, path, **kwargs)


def ce_headers(ce_id: str, kind: str) -> dict[str, str]:
    return {"ce-id": ce_id, "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
            "content-type": "application/json"}


def test_the_app_answers_503_and_health_checks_report_the_failure(tmp_path):
    async def scenario():
        sink = await broken_wal_sink(tmp_path)
        app = create_app(sink)
        assert (await http(app, "GET", "/healthz")).status_code == 200
        r = await http(app, "POST", "/", headers=ce_headers("a", "request"), content=b'{"instances": [[1.0]]}')
        assert r.status_code == 503 and "No space left on device" in r.json()["error"]
        for path in ("/healthz", "/readyz"):
            h = await http(app, "GET", path)
            assert h.status_code == 503, path
            assert h.json()["status"] == "failed" and "No space left on device" in h.json()["reason"]
        r = await http(app, "POST", "/", headers=ce_headers("b", "request"), content=b'{"instances": [[1.0]]}')
        assert r.status_code == 503
        metrics = (await http(app, "GET", "/metrics")).text
        await sink.stop()
        return metrics
    metrics = asyncio.run(scenario())
    assert "ctloop_log_events_unavailable_total 2" in metrics and "ctloop_log_healthy 0" in metrics


def test_a_task_that_dies_makes_the_sink_unhealthy(tmp_path):
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        sink._tasks[1].cancel()  # the flusher stops without stop(): nothing would ever be flushed
        await asyncio.sleep(0.05)
        health = await http(create_app(sink), "GET", "/healthz")
        with pytest.raises(SinkUnavailable):
            await asyncio.wait_for(sink.accept(event(0, "request")), timeout=1)
        await sink.stop()
        return health
    health = asyncio.run(scenario())
    assert health.status_code == 503 and "flusher" in health.json()["reason"]


def test_poison_pill_over_http_is_a_400_naming_the_field(tmp_path):
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        app = create_app(sink)
        answers = [await http(app, "POST", "/", headers=ce_headers("p", kind), content=json.dumps(body))
                   for kind, body in (("request", {"instances": 5}), ("request", {"inputs": None}),
                                      ("response", {"predictions": 3}))]
        ok = await http(app, "POST", "/", headers=ce_headers("q", "request"), content=b'{"instances": [[1.0]]}')
        metrics = (await http(app, "GET", "/metrics")).text
        await sink.stop()
        return answers, ok, metrics
    answers, ok, metrics = asyncio.run(scenario())
    assert [a.status_code for a in answers] == [400, 400, 400]
    assert ["'instances'" in answers[0].json()["error"], "'inputs'" in answers[1].json()["error"],
            "'predictions'" in answers[2].json()["error"]] == [True] * 3
    assert ok.status_code == 200
    assert 'ctloop_log_events_rejected_total{reason="bad_payload"} 3' in metrics


def test_metrics_export_every_counter_and_pass_promtool(tmp_path):
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        app = create_app(sink)
        await http(app, "POST", "/", headers=ce_headers("m", "request"), content=b'{"instances": [[1.0]]}')
        await http(app, "POST", "/", headers=ce_headers("m", "response"), content=b'{"predictions": [1]}')
        await http(app, "POST", "/", headers=ce_headers("n", "request"), content=b'{"instances": 5}')
        await sink.flush()
        text = (await http(app, "GET", "/metrics")).text
        await sink.stop()
        return text
    text = asyncio.run(scenario())
    for line in ("ctloop_log_events_received_total 3", "ctloop_log_events_accepted_total 2",
                 "ctloop_log_events_written_total 2", "ctloop_log_rows_written_total 1",
                 'ctloop_log_events_rejected_total{reason="bad_payload"} 1', "ctloop_log_healthy 1"):
        assert line in text.splitlines(), line
    promtool = shutil.which("promtool")
    assert promtool, "promtool is installed by `make tools`"
    check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_quarantine_keeps_partition_readers_clean(tmp_path):
    """Rows of good events keep exactly the contract columns; nothing of the quarantine leaks in."""
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        await sink.accept(unvalidated(0, {"instances": 5}))
        await sink.accept(event(1, "request"))
        await sink.accept(event(1, "response"))
        await sink.stop()
    asyncio.run(scenario())
    rows = parquet_rows(tmp_path / "root")
    assert list(rows.columns[:10]) == ["request_id", "instance", "model", "namespace", "revision", "model_version",
                                       "component", "time", "has_response", "has_request"]
    assert "error" not in rows.columns and "x" in rows.columns and "prediction" in rows.columns
    assert rows.instance.dtype == "int64" and isinstance(rows.model_version.iloc[0], str)
    assert pd.Timestamp(rows.time.iloc[0]).tzname() == "UTC"


def test_serve_refuses_a_root_kubernetes_did_not_expand(capsys):
    """--root=$(CTLOOP_LOG_ROOT) with the setting missing would write Parquet into the container."""
    from ctloop.cli import main

    assert main(["logger", "serve", "--root", "$(CTLOOP_LOG_ROOT)"]) == 2
    assert "INFERENCE_LOG_ROOT" in capsys.readouterr().err
