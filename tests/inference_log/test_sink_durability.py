"""Write-ahead durability under concurrent load: a crash right after a flush loses nothing acked."""

import asyncio
import json

import pandas as pd

from ctloop.inference_log.events import Event, parse_event
from ctloop.inference_log.sink import Sink


def event(i: int, kind: str) -> Event:
    h = {"ce-id": f"id{i}", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
         "ce-source": "credit-predictor-00002-deployment-a-b", "ce-inferenceservicename": "credit"}
    body = {"instances": [{"x": i}]} if kind == "request" else {"predictions": [1]}
    return parse_event(h, json.dumps(body).encode())


async def crash_after_flush(tmp_path, flush_delay: float) -> tuple[int, list]:
    sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6,
                join_ttl_seconds=600)
    await sink.start()
    acked: list[tuple[str, str]] = []
    stop = asyncio.Event()

    async def worker(w: int):
        j = 0
        while not stop.is_set():
            i = w * 100_000 + j
            await sink.accept(event(i, "request"))
            acked.append((f"id{i}", "request"))
            if j % 2:
                await sink.accept(event(i, "response"))
                acked.append((f"id{i}", "response"))
            j += 1

    workers = [asyncio.create_task(worker(w)) for w in range(50)]
    await asyncio.sleep(flush_delay)
    await sink.flush()  # a flush in the middle of the load...
    await asyncio.sleep(0.01)
    stop.set()  # ...then a crash: tasks die, no stop(), no final flush
    for t in workers + sink._tasks:
        t.cancel()
    await asyncio.gather(*workers, *sink._tasks, return_exceptions=True)
    on_disk: set[tuple[str, str]] = set()
    for seg in (tmp_path / "wal").glob("*.wal"):
        for line in seg.read_text().splitlines():
            if line.strip():
                e = Event.from_json(line)
                on_disk.add((e.id, e.kind))
    for part in (tmp_path / "root").rglob("*.parquet"):
        rows = pd.read_parquet(part)
        on_disk |= {(r, "request") for r in rows.loc[rows.has_request, "request_id"]}
        on_disk |= {(r, "response") for r in rows.loc[rows.has_response, "request_id"]}
    return len(acked), [a for a in acked if a not in on_disk]


def test_crash_right_after_a_flush_under_load_loses_no_acknowledged_event(tmp_path):
    for attempt, delay in enumerate((0.05, 0.1, 0.15, 0.2)):
        acked, lost = asyncio.run(crash_after_flush(tmp_path / str(attempt), delay))
        assert acked > 100
        assert lost == [], f"{len(lost)} of {acked} acknowledged events only in memory, e.g. {lost[:3]}"


def test_rows_with_changing_types_and_non_finite_numbers_still_flush(tmp_path):
    """One client sends a feature as a number, another as a string; a body carries NaN: the flush
    must not fail (it would block every later flush), and nothing is silently dropped."""
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        h = {"ce-type": "org.kubeflow.serving.inference.request", "ce-specversion": "1.0",
             "ce-source": "credit-predictor-00002-deployment-a-b", "ce-inferenceservicename": "credit"}
        bodies = [b'{"instances": [{"region": 3, "x": NaN}]}', b'{"instances": [{"region": "north", "x": 1.5}]}']
        for i, body in enumerate(bodies):
            meta = {"ce-metadata": '{"X-Order-Id": ["order-%d"]}' % i}
            await sink.accept(parse_event({**h, **meta, "ce-id": f"m{i}"}, body))
            await sink.accept(parse_event({**h, "ce-id": f"m{i}", "ce-type": "org.kubeflow.serving.inference.response"},
                                          b'{"predictions": [1]}'))
        assert await sink.flush() == 2
        await sink.stop()
    asyncio.run(scenario())
    rows = pd.concat(pd.read_parquet(p) for p in (tmp_path / "root").rglob("*.parquet")).sort_values("request_id")
    assert rows.region.tolist() == ["3", "north"]
    assert rows.meta_x_order_id.tolist() == ["order-0", "order-1"]  # business key for the labels join
    assert pd.isna(rows.x.iloc[0]) and rows.x.iloc[1] == 1.5


def test_a_failed_parquet_write_keeps_rows_and_segments_and_the_next_flush_retries(tmp_path, monkeypatch):
    import ctloop.storage

    calls = {"n": 0}
    real_write = ctloop.storage.write_bytes

    def flaky(uri, data):  # the bucket is unreachable for the first write
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("bucket unreachable")
        return real_write(uri, data)

    monkeypatch.setattr(ctloop.storage, "write_bytes", flaky)

    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        for i in range(5):
            await sink.accept(event(i, "request"))
            await sink.accept(event(i, "response"))
        try:
            await sink.flush()
        except OSError:
            pass
        else:
            raise AssertionError("the first flush should have failed")
        assert sink.stats.flush_errors == 1 and sink.stats.rows_written == 0
        # the events are still on disk (a crash now would replay them) ...
        on_disk = {Event.from_json(line).id for seg in (tmp_path / "wal").glob("*.wal")
                   for line in seg.read_text().splitlines() if line.strip()}
        assert on_disk == {f"id{i}" for i in range(5)}
        await sink.accept(event(5, "request"))
        await sink.accept(event(5, "response"))
        assert await sink.flush() == 6  # ... and the retry writes old and new rows together
        assert "ctloop_log_flush_errors_total 1" in sink.metrics_text()
        await sink.stop()
        assert not list((tmp_path / "wal").glob("*.wal"))
    asyncio.run(scenario())
    rows = pd.concat(pd.read_parquet(p) for p in (tmp_path / "root").rglob("*.parquet"))
    assert sorted(rows.request_id) == [f"id{i}" for i in range(6)]
