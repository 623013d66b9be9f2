"""An event is held to a number of values, whatever its body's kind, before it is acknowledged.

The sink's memory goes by values, not bytes, and peaks at the join and flush, after the event was
written to the write-ahead log and answered 200 (docs/inference-log.md "Body size"). A JSON body
of one-digit numbers holds a value every 2 bytes: at the 16 MiB limit ~8M values, several GB at
the join, past the manifest's 1 GiB memory limit; the sink was OOM-killed, replayed the event from
its WAL on restart and was killed again. Now every body (v1 instances/inputs/predictions, v2 JSON
tensors, binary tensor data) counts its values plus 16 a row (a row's identity columns) and one
over ``--max-body-bytes / 16`` is refused 413 ``too_many_values`` before the WAL, logged with its
id, model, count, cap and setting; a WAL line over the cap (an older version's) is set aside at
replay instead of joined, and ``ctloop logger import`` skips such a record. Real ``ctloop logger
serve`` subprocesses."""

from __future__ import annotations

import json
import re

import httpx
import numpy as np
import pytest

from ctloop.cli import main
from ctloop.inference_log.defaults import MAX_BODY_BYTES, max_values
from ctloop.inference_log.events import count_values, parse_event
from tests.fixtures.servers import start_sink, stop_group
from tests.inference_log.support import parquet_rows
from tests.inference_log.test_binary_tensors import kserve_to_rest
from tests.inference_log.test_blob_import import PREFIX, log_request
from tests.inference_log.test_sink_server import metrics_once_written
from tests.inference_log.test_v2_request_id import agent_headers

pytestmark = pytest.mark.slow

LIMIT = 64 << 10  # --max-body-bytes of these tests: a cap of 4,096 values
CAP = 4096


def ones(n: int) -> bytes:
    """n one-digit values, 2 bytes each: the densest JSON body."""
    return b",".join([b"1"] * n)


def test_the_cap_is_derived_from_the_body_limit_and_takes_a_realistic_16_mib_batch():
    assert max_values(LIMIT) == CAP and max_values(MAX_BODY_BYTES) == 1 << 20
    # the 16 MiB v1 batch of docs/inference-log.md "Body size": 14,181 rows of 50 float features
    realistic = {"instances": [{f"feature_{j:02d}": 123.4567 + i for j in range(50)} for i in range(14181)]}
    assert count_values("request", realistic) == 14181 * (50 + 16) <= max_values(MAX_BODY_BYTES)
    assert count_values("request", {"instances": [1, [], [1, 2], {"a": [1, 2, 3]}]}) == 1 + 1 + 2 + 1 + 4 * 16
    assert count_values("request", {"inputs": [[1, 2], [3, 4]]}) == 4 + 2 * 16  # v1 instances as 'inputs'
    assert count_values("response", {"outputs": [{"name": "p", "shape": [3, 2], "datatype": "FP64",
                                                  "data": [0] * 6}]}) == 6 + 3 * 16


def test_a_body_of_too_many_values_of_any_kind_is_refused_before_the_wal(tmp_path):
    rows_over = CAP // 17 + 1  # one value a row: 17 each
    v1 = b'{"instances":[' + ones(rows_over) + b"]}"
    v1_inputs = b'{"inputs":[' + b",".join([b"[1]"] * rows_over) + b"]}"
    predictions = b'{"predictions":[' + ones(rows_over) + b"]}"
    v2 = json.dumps({"inputs": [{"name": "x", "shape": [rows_over, 1], "datatype": "FP64",
                                 "data": [1.0] * rows_over}]}).encode()
    binary, _ = kserve_to_rest({"model_name": "credit"}, "inputs", [("x", "INT8", np.ones(rows_over, np.int8))])
    fits = b'{"instances":[' + ones(CAP // 17) + b"]}"
    assert all(len(b) < LIMIT for b in (v1, v1_inputs, predictions, v2, binary))
    proc, url = start_sink(tmp_path, max_body_bytes=LIMIT, flush_seconds=0.2)
    try:
        with httpx.Client(timeout=30) as client:
            answers = {name: client.post(url, headers={**agent_headers(name, kind), "Content-Type": content_type},
                                         content=body)
                       for name, kind, content_type, body in (
                           ("v1", "request", "application/json", v1),
                           ("v1-inputs", "request", "application/json", v1_inputs),
                           ("predictions", "response", "application/json", predictions),
                           ("v2", "request", "application/json", v2),
                           ("binary", "request", "application/octet-stream", binary),
                           ("fits", "request", "application/json", fits),
                           ("fits", "response", "application/json", b'{"predictions":[' + ones(CAP // 17) + b"]}"))}
            metrics = metrics_once_written(client, url, 2)
    finally:
        stop_group(proc)
    assert {name: a.status_code for name, a in answers.items()} == {
        "v1": 413, "v1-inputs": 413, "predictions": 413, "v2": 413, "binary": 413, "fits": 200}
    count = rows_over * 17
    assert answers["v1"].json()["error"].startswith(f"request body holds at least {count:,} values")
    assert f"more than the {CAP:,} the sink takes (--max-body-bytes / 16" in answers["v1"].json()["error"]
    assert 'ctloop_log_events_rejected_total{reason="too_many_values"} 5' in metrics
    assert "ctloop_log_events_written_total 2" in metrics
    rows = parquet_rows(tmp_path / "root")
    assert set(rows.request_id) == {"fits"} and len(rows) == CAP // 17  # nothing refused reached the WAL
    log = (tmp_path / "sink.log").read_text()
    for name in ("v1", "v1-inputs", "predictions", "v2", "binary"):
        (line,) = [line for line in log.splitlines() if f"refused event {name} " in line]
        assert "(model credit)" in line and f"more than the {CAP:,}" in line, line
        assert "--max-body-bytes or CTLOOP_LOG_MAX_BODY_BYTES" in line, line
    assert re.search(rf"refused event v1 \(model credit\): request body holds at least {count:,} values", log)


def test_a_wal_line_over_the_cap_is_set_aside_at_replay_not_joined(tmp_path):
    """A WAL written by an older version (or under a larger --max-body-bytes) may hold an event
    that would exhaust memory at every start: it is quarantined as its line, logged and counted,
    and the rest of the segment is replayed."""
    def line(ce_id: str, kind: str, body: bytes) -> bytes:
        event = parse_event({**agent_headers(ce_id, kind)}, body)  # no cap: what an older version accepted
        return event.to_wal() + b"\n"

    wal = tmp_path / "wal"
    wal.mkdir()
    big = b'{"instances":[' + ones(CAP) + b"]}"
    (wal / "segment-00000000000000000001-aaaaaa.wal").write_bytes(
        line("old", "request", b'{"instances":[[1,2]]}') + line("big", "request", big)
        + line("old", "response", b'{"predictions":[1]}'))
    proc, url = start_sink(tmp_path, max_body_bytes=LIMIT, flush_seconds=0.2)
    try:
        with httpx.Client(timeout=30) as client:
            metrics = metrics_once_written(client, url, 2)
    finally:
        stop_group(proc)
    # its own counter, not the refusal one: the event was acknowledged once, it is not lost (review
    # finding: it was counted as a live too_many_values refusal, which CtloopLogEventsRefusedForSize
    # reports as an event lost)
    assert "ctloop_log_wal_set_aside_total 1" in metrics
    assert 'ctloop_log_events_rejected_total{reason="too_many_values"} 0' in metrics
    assert "ctloop_log_quarantined_total 1" in metrics
    rows = parquet_rows(tmp_path / "root")
    assert list(rows.request_id) == ["old"] and rows.has_response.all()
    (quarantined,) = (tmp_path / "root" / "_quarantine").rglob("*.jsonl")
    (record,) = [json.loads(text) for text in quarantined.read_text().splitlines()]
    assert record["reason"].startswith(f"WAL line segment-00000000000000000001-aaaaaa.wal:2: request body holds at least "
                                       f"{CAP * 17:,} values, more than the {CAP:,}")
    assert json.loads(record["wal_line"])["id"] == "big"
    log = (tmp_path / "sink.log").read_text()
    assert "set aside replayed event big (model credit): WAL line" in log


def test_logger_import_skips_a_record_over_the_cap(tmp_path, capsys):
    src = tmp_path / "src" / PREFIX
    src.mkdir(parents=True)
    for i, kind, body in ((0, "request", None), (0, "response", None),
                          (1, "request", b'{"instances":[' + ones(CAP) + b"]}")):
        (src / f"id-{i:04d}-{kind}.json").write_text(json.dumps(log_request(i, kind, body=body)))
    root = tmp_path / "log"
    assert main(["logger", "import", str(tmp_path / "src"), "--root", str(root), "--max-body-bytes", str(LIMIT)]) == 0
    out = capsys.readouterr().out
    assert "1 record(s) (too_many_values 1)" in out, out
    assert sorted(parquet_rows(root).request_id) == ["id-0000"]
    # the refusal says to raise --max-body-bytes: a rerun that does reads the object again (it was
    # recorded as done, "no_event", and never read again: review finding)
    assert main(["logger", "import", str(tmp_path / "src"), "--root", str(root),
                 "--max-body-bytes", str(LIMIT * 64)]) == 0
    capsys.readouterr()
    assert sorted(set(parquet_rows(root).request_id)) == ["id-0000", "id-0001"]


@pytest.mark.parametrize("shape", [None, [10_000], [10, 2]])
def test_nested_v2_data_is_counted_by_what_it_holds_not_by_its_shape(shape):
    """A v2 tensor without a shape (or one its data do not fit) whose data are 10,000 lists of 800:
    the join reads it as [10000, 800] (``_tensor_width``), but the count took only its 10,000
    rows, so 16 MB of 8.16M values passed the cap (review finding). Over the cap either way; a
    shape its data do not fit is the error the sender can fix, so it is the answer: one 400
    naming the tensor (it was 413 too_many_values, which says to raise --max-body-bytes: review
    finding)."""
    from ctloop.errors import InferenceLogError

    tensor = {"name": "x", "datatype": "INT32", "data": [[1] * 800] * 10_000}
    if shape is not None:
        tensor["shape"] = shape
    body = {"inputs": [tensor]}
    assert count_values("request", body) >= 8_000_000
    with pytest.raises(InferenceLogError) as exc:
        parse_event(agent_headers("nested", "request"), json.dumps(body).encode(), max_values=max_values(MAX_BODY_BYTES))
    if shape is None:  # [10000, 800]: consistent, and over the cap
        assert exc.value.status == 413 and exc.value.code == "too_many_values"
    else:
        assert (exc.value.status, exc.value.code) == (400, "bad_payload")
        assert str(exc.value.reason).startswith(f"request body: 'inputs'[0] 'x' has shape {shape} but ")


def test_a_binary_tensor_whose_bytes_do_not_fit_its_shape_is_a_400_even_over_the_cap():
    """Binary tensors are counted by their shapes before decoding: a shape of 1M values over 8
    bytes of data was refused 413 too_many_values ('raise --max-body-bytes'); the shape is wrong,
    and the cheap checks of decoding (sizes, datatypes, widths) now come first."""
    from ctloop.errors import InferenceLogError

    body, _ = kserve_to_rest({"model_name": "credit"}, "inputs", [("x", "FP64", np.ones(1, np.float64))])
    wrong = body.replace(b'"shape":[1]', b'"shape":[1000000]')
    assert wrong != body
    with pytest.raises(InferenceLogError) as exc:
        parse_event({**agent_headers("bin", "request"), "content-type": "application/octet-stream"}, wrong,
                    max_values=CAP)
    assert (exc.value.status, exc.value.code) == (400, "bad_payload"), exc.value.reason
    assert "inputs[0] 'x': 8 bytes of FP64 data for shape [1000000]" in exc.value.reason
    consistent, _ = kserve_to_rest({"model_name": "credit"}, "inputs", [("x", "INT8", np.ones(CAP, np.int8))])
    with pytest.raises(InferenceLogError) as exc:
        parse_event({**agent_headers("bin", "request"), "content-type": "application/octet-stream"}, consistent,
                    max_values=CAP)
    assert (exc.value.status, exc.value.code) == (413, "too_many_values")


def test_a_sink_built_without_a_values_cap_still_sets_aside_a_replayed_line_over_the_default(tmp_path):
    """``Sink(root, wal)`` had ``max_values=None``, which skipped the replay check: a WAL line of
    millions of values was joined at start (the crash loop the check exists for). The default now
    comes from defaults.py (the cap of the default body limit)."""
    import asyncio

    from ctloop.inference_log.defaults import MAX_VALUES
    from ctloop.inference_log.sink import Sink

    rows = MAX_VALUES // 17 + 1  # one value a row: just over the default cap
    big = parse_event(agent_headers("big", "request"), b'{"instances":[' + ones(rows) + b"]}")
    small = parse_event(agent_headers("small", "request"), b'{"instances":[[1,2]]}')
    wal = tmp_path / "wal"
    wal.mkdir()
    (wal / "segment-00000000000000000001-aaaaaa.wal").write_bytes(big.to_wal() + b"\n" + small.to_wal() + b"\n")

    async def run():
        sink = Sink(str(tmp_path / "root"), str(wal), flush_rows=10**9, flush_seconds=10**6)
        assert sink.max_values == MAX_VALUES == max_values(MAX_BODY_BYTES)
        await sink.start()
        await sink.stop()
        return sink

    sink = asyncio.run(run())
    assert sink.stats.wal_set_aside == 1 and sink.stats.rejected == {}
    assert list(parquet_rows(tmp_path / "root").request_id) == ["small"]
    (quarantined,) = (tmp_path / "root" / "_quarantine").rglob("*.jsonl")
    assert json.loads(json.loads(quarantined.read_text())["wal_line"])["id"] == "big"


def test_the_sink_answers_a_misshapen_tensor_over_the_cap_with_one_400_naming_it(tmp_path):
    """Over HTTP (a real ``ctloop logger serve``): a v2 tensor whose shape its data do not fit, over
    the values cap, was 413 too_many_values ('raise --max-body-bytes', counted as a size refusal
    that CtloopLogEventsRefusedForSize reports); it is the 400 bad_payload a shape error is."""
    n = CAP // 17 + 1
    body = json.dumps({"inputs": [{"name": "income", "shape": [n, 2], "datatype": "FP64",
                                   "data": [1.0] * n}]}).encode()  # n values for a shape of 2n
    proc, url = start_sink(tmp_path, max_body_bytes=LIMIT, flush_seconds=0.2)
    try:
        with httpx.Client(timeout=30) as client:
            answer = client.post(url, headers=agent_headers("misshapen", "request"), content=body)
            metrics = client.get(f"{url}/metrics").text
    finally:
        stop_group(proc)
    assert answer.status_code == 400, answer.text
    assert answer.json() == {"error": f"request body: 'inputs'[0] 'income' has shape [{n}, 2] but {n} values "
                                      f"(expected {2 * n})"}
    assert 'ctloop_log_events_rejected_total{reason="bad_payload"} 1' in metrics
    assert 'ctloop_log_events_rejected_total{reason="too_many_values"} 0' in metrics
