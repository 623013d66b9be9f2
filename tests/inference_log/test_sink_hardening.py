"""Issue 13: one poison event must not stall the Parquet output, a reused ce-id must not drop an
acknowledged event, column types must stay readable across files, and malformed times or deeply
nested bodies are 400s (not 500s). In-process: the real Sink and ASGI app, real files."""

from __future__ import annotations

import asyncio
import json

import httpx
import pandas as pd
import pyarrow.dataset as ds
import pytest

from ctloop.inference_log.app import create_app
from ctloop.inference_log.layout import QUARANTINE_DIR
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import parquet_rows


def ce(ce_id: str, kind: str, **extra) -> dict[str, str]:
    return {"ce-id": ce_id, "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
            "ce-time": "2026-11-22T10:31:02.417396123Z", "content-type": "application/json", **extra}


async def post(app, headers, body) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sink") as client:
        return await client.post("/", headers=headers, content=content)


async def get(app, path) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sink") as client:
        return await client.get(path)


def new_sink(tmp_path, **kw) -> Sink:
    return Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6, **kw)


def dataset(root):
    """What pyarrow.dataset readers see: the schema of the first file, other files cast to it (a
    column of another type fails the read), and with the registry's schema, every column."""
    from ctloop.inference_log import schema

    first_file_schema = ds.dataset(str(root / "model=credit-default"), format="parquet", partitioning="hive")
    first_file_schema.to_table()
    return ds.dataset(str(root / "model=credit-default"), format="parquet", partitioning="hive",
                      schema=schema.dataset_schema(str(root), "credit-default")).to_table()


@pytest.mark.parametrize("poison", [{"instances": [{"x": {}}]}, {"instances": [{}]},
                                    {"instances": [{"b": {}}]}, {"instances": [{"x": []}]}])
def test_a_poison_event_does_not_stall_the_parquet_output(tmp_path, poison):
    """Before: answered 200, then every flush failed with ArrowNotImplementedError ('Cannot write
    struct type ... with no child field'), blocking all partitions, /healthz still ok, and the
    replay after a restart failed the same way."""
    async def scenario():
        sink = new_sink(tmp_path)
        await sink.start()
        app = create_app(sink)
        answers = [(await post(app, ce("p", "request"), poison)).status_code,
                   (await post(app, ce("p", "response"), {"predictions": [1]})).status_code]
        for i in range(3):
            answers.append((await post(app, ce(f"ok{i}", "request"), {"instances": [{"x": i}]})).status_code)
            answers.append((await post(app, ce(f"ok{i}", "response"), {"predictions": [0]})).status_code)
        written = await sink.flush()
        health = (await get(app, "/healthz")).json()
        metrics = (await get(app, "/metrics")).text
        await sink.stop()
        return answers, written, health, metrics
    answers, written, health, metrics = asyncio.run(scenario())
    assert answers == [200] * 8
    assert written == 4 and health["status"] == "ok"
    assert "ctloop_log_flush_errors_total 0" in metrics and "ctloop_log_flush_failing 0" in metrics
    rows = parquet_rows(tmp_path / "root")
    assert sorted(rows.request_id) == ["ok0", "ok1", "ok2", "p"]
    p = rows[rows.request_id == "p"].iloc[0]
    for column, value in poison["instances"][0].items():  # nested values are kept as JSON text
        assert json.loads(p[column]) == value


def test_a_row_that_cannot_become_parquet_is_quarantined_alone_and_the_rest_is_written(tmp_path):
    """Whatever makes one row unwritable (here a buffered line whose instance is not an integer, as
    a bug or an old WAL could leave), the other rows of its partition are written, the row goes to
    the quarantine with the error, and the metrics count it."""
    async def scenario():
        sink = new_sink(tmp_path)
        await sink.start()
        app = create_app(sink)
        for i in range(40):
            await post(app, ce(f"r{i}", "request"), {"instances": [{"x": float(i)}]})
            await post(app, ce(f"r{i}", "response"), {"predictions": [1]})
        (part,) = sink._parts.values()
        part.lines.insert(17, part.lines[17].replace(b'"instance":0', b'"instance":"zero"'))
        sink._n_rows += 1
        written = await sink.flush()
        metrics = (await get(app, "/metrics")).text
        await sink.stop()
        return written, metrics
    written, metrics = asyncio.run(scenario())
    assert written == 40
    assert sorted(parquet_rows(tmp_path / "root").request_id) == sorted(f"r{i}" for i in range(40))
    (record,) = [json.loads(line) for p in (tmp_path / "root" / QUARANTINE_DIR).rglob("*.jsonl")
                 for line in p.read_text().splitlines()]
    assert '"instance":"zero"' in record["row"] and "cannot be written as Parquet" in record["reason"]
    assert record["partition"] == ["credit-default", "2026-11-22", "unknown"]
    assert "ctloop_log_rows_quarantined_total 1" in metrics and "ctloop_log_rows_written_total 40" in metrics


def test_column_types_stay_the_same_in_every_file_and_across_restarts(tmp_path):
    """A feature sent as an integer, then a float, then a string, in three flushes (the last
    after a restart): before, the files had int64, double and string columns and a
    pyarrow.dataset read of the log failed. Now every file has double; the string is kept in
    _mistyped; the types are recorded in <root>/_schema."""
    async def flush_with(value, ce_id):
        sink = new_sink(tmp_path)
        await sink.start()
        app = create_app(sink)
        assert (await post(app, ce(ce_id, "request"), {"instances": [{"age": value, "tag": [1, 2]}]})).status_code == 200
        assert (await post(app, ce(ce_id, "response"), {"predictions": [value]})).status_code == 200
        await sink.flush()
        metrics = (await get(app, "/metrics")).text
        await sink.stop()
        return metrics
    asyncio.run(flush_with(41, "a"))
    asyncio.run(flush_with(41.5, "b"))
    metrics = asyncio.run(flush_with("forty", "c"))
    table = dataset(tmp_path / "root")  # before: ArrowInvalid/ArrowNotImplementedError across the files
    frame = table.to_pandas().sort_values("request_id")
    assert str(table.schema.field("age").type) == "double" and str(table.schema.field("tag").type) == "string"
    assert frame.age.tolist()[:2] == [41.0, 41.5] and pd.isna(frame.age.iloc[2])
    assert json.loads(frame._mistyped.iloc[2]) == {"age": "forty", "prediction": "forty"}
    assert frame.tag.tolist() == ["[1,2]"] * 3
    assert "ctloop_log_mistyped_values_total 2" in metrics
    registry = json.loads((tmp_path / "root" / "_schema" / "model=credit-default.json").read_text())
    assert registry["columns"] == {"age": "double", "tag": "string", "prediction": "double"}


def test_a_reused_ce_id_keeps_every_acknowledged_event(tmp_path):
    """Before: two requests with the same ce-id and different bodies were both answered 200 and
    one row landed. Now all land; once the id has two requests waiting none of its events pairs
    (round 41: which response answers which request cannot be told,
    test_r41_infolog_shared_id)."""
    async def scenario():
        sink = new_sink(tmp_path)
        await sink.start()
        app = create_app(sink)
        codes = [(await post(app, ce("dup", "request"), {"instances": [{"x": 1.0}]})).status_code,
                 (await post(app, ce("dup", "request"), {"instances": [{"x": 2.0}]})).status_code,
                 (await post(app, ce("dup", "response"), {"predictions": [0.9]})).status_code,
                 (await post(app, ce("dup", "response"), {"predictions": [0.1]})).status_code,
                 (await post(app, ce("dup", "request"), {"instances": [{"x": 3.0}]})).status_code]
        await sink.flush(final=True)
        metrics = (await get(app, "/metrics")).text
        await sink.stop()
        return codes, metrics
    codes, metrics = asyncio.run(scenario())
    assert codes == [200] * 5
    rows = parquet_rows(tmp_path / "root")
    assert len(rows) == 5 and set(rows.request_id) == {"dup"}
    assert not (rows.has_request & rows.has_response).any()
    assert sorted(rows.x.dropna()) == [1.0, 2.0, 3.0] and sorted(rows.prediction.dropna()) == [0.1, 0.9]
    assert "ctloop_log_duplicate_ids_total 3" in metrics
    assert "ctloop_log_events_written_total 5" in metrics


@pytest.mark.parametrize("ce_time", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00",
                                     "2026-13-45T10:31:02Z", "yesterday"])
def test_a_time_that_is_no_timestamp_is_a_400_counted_as_rejected(tmp_path, ce_time):
    """Before: 9999-12-31T23:59:59-05:00 raised OverflowError (a 500 with a traceback) and
    2026-13-45T10:31:02Z was accepted, creating a date=2026-13-45 partition."""
    async def scenario():
        sink = new_sink(tmp_path)
        await sink.start()
        app = create_app(sink)
        r = await post(app, ce("t", "request", **{"ce-time": ce_time}), {"instances": [[1.0]]})
        metrics = (await get(app, "/metrics")).text
        await sink.stop()
        return r, metrics
    r, metrics = asyncio.run(scenario())
    assert r.status_code == 400 and "ce-time" in r.json()["error"], r.text
    assert 'ctloop_log_events_rejected_total{reason="bad_header"} 1' in metrics


@pytest.mark.parametrize("body", [b'{"instances": [' + b"[" * 5000 + b"]" * 5000 + b"]}",
                                  b'{"instances": [{"x": ' + b"[" * 300 + b"]" * 300 + b"}]}",
                                  # NaN makes the sink fall back to Python's parser: its recursion limit
                                  b'{"y": NaN, "instances": [' + b"[" * 3000 + b"]" * 3000 + b"]}"])
def test_deeply_nested_json_is_a_400_counted_as_rejected(tmp_path, body):
    """Before: RecursionError, a 500 with a traceback."""
    async def scenario():
        sink = new_sink(tmp_path)
        await sink.start()
        app = create_app(sink)
        r = await post(app, ce("deep", "request"), body)
        ok = await post(app, ce("fine", "request"), {"instances": [{"x": [[1, 2], [3]]}]})
        metrics = (await get(app, "/metrics")).text
        await sink.stop()
        return r, ok, metrics
    r, ok, metrics = asyncio.run(scenario())
    assert r.status_code == 400 and "nested deeper than 64 levels" in r.json()["error"]
    assert ok.status_code == 200
    assert 'ctloop_log_events_rejected_total{reason="bad_json"} 1' in metrics


def test_health_reports_a_flush_that_keeps_failing(tmp_path):
    """Events stay safe in the WAL while the root is unwritable; /healthz says so (degraded,
    with the error) instead of a plain ok, and the gauge is up until a flush succeeds."""
    root = tmp_path / "root"
    root.write_text("a file where the Parquet root should be")

    async def scenario():
        sink = Sink(str(root), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        app = create_app(sink)
        await post(app, ce("h", "request"), {"instances": [[1.0]]})
        with pytest.raises(OSError):
            await sink.flush(final=True)
        degraded = (await get(app, "/healthz"))
        failing = (await get(app, "/metrics")).text
        root.unlink()
        await sink.flush(final=True)
        healthy = (await get(app, "/healthz")).json()
        recovered = (await get(app, "/metrics")).text
        await sink.stop()
        return degraded, failing, healthy, recovered
    degraded, failing, healthy, recovered = asyncio.run(scenario())
    assert degraded.status_code == 200  # restarting would not help: liveness must not kill it
    assert degraded.json()["status"] == "degraded" and "Not a directory" in degraded.json()["reason"]
    assert "ctloop_log_flush_failing 1" in failing and "ctloop_log_flush_failing 0" in recovered
    assert healthy["status"] == "ok"


def test_two_replicas_meeting_a_new_column_with_different_types_write_the_same_type(tmp_path):
    """Replica A sees `score` first as a number, replica B (same root, own WAL) as a string, both
    before either flushed. A flushes first and registers double; B's flush takes the registry's
    word: its file has `score` as double too, the string kept in _mistyped."""
    async def scenario():
        a = Sink(str(tmp_path / "root"), str(tmp_path / "wal-a"), flush_rows=10**9, flush_seconds=10**6)
        b = Sink(str(tmp_path / "root"), str(tmp_path / "wal-b"), flush_rows=10**9, flush_seconds=10**6)
        await a.start()
        await b.start()
        for sink, ce_id, value in ((a, "a1", 0.5), (b, "b1", "high")):
            app = create_app(sink)
            assert (await post(app, ce(ce_id, "request"), {"instances": [{"score": value}]})).status_code == 200
            assert (await post(app, ce(ce_id, "response"), {"predictions": [1]})).status_code == 200
        await a.flush()
        await b.flush()
        metrics = b.metrics_text()
        await a.stop()
        await b.stop()
        return metrics
    asyncio.run(scenario())
    table = dataset(tmp_path / "root")
    assert str(table.schema.field("score").type) == "double"
    frame = table.to_pandas().set_index("request_id")
    assert frame.loc["a1", "score"] == 0.5 and pd.isna(frame.loc["b1", "score"])
    assert json.loads(frame.loc["b1", "_mistyped"]) == {"score": "high"}
