"""Round 57 review of the inference-log work (4f6a2ccd..3acd4b7e), fixed.

Copies of one call written into files of different columns: a WAL replayed after a crash, or
one event delivered to two replicas, once before and once after another call registered a new
column. The file without the column reads NaN there, the other None; ``reader._value_hashes``
hashed ``astype(str)`` ("nan" vs "None"), so the copies were two calls: read_log returned the
call twice (complete copies) or as three half rows (its halves), while scan_window returned it
once. Every missing value now hashes as one marker; NaN and -0.0 are normalised; ``_mistyped``,
``_overflow`` and ``_error`` are hashed too (two calls differing only there are two calls).

Also: an abandoned sink refuses events in its own words (not a final flush's, which it never
makes), and the monitoring component's partitions say the rows of no inference they skipped.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ctloop.inference_log import reader, scan
from ctloop.inference_log.events import parse_event
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import WHEN_TOLD, kserve_headers, parquet_rows

START, END = pd.Timestamp("2026-11-22T10:00:00Z"), pd.Timestamp("2026-11-22T11:00:00Z")
T1, T2 = "2026-11-22T10:31:02.417Z", "2026-11-22T10:32:00Z"


def _event(kind: str, cid: str, time: str, body: dict):
    return parse_event(kserve_headers(kind, cid, time), json.dumps(body).encode(), lowercase=True)


def _call(cid: str, time: str, features: dict, prediction) -> list:
    return [
        _event("request", cid, time, {"instances": [features]}),
        _event("response", cid, time, {"predictions": [prediction]}),
    ]


def _write(root: Path, wal: Path, events: list) -> None:
    """``events`` accepted by one real sink (a replica) writing under ``root`` with its own WAL."""

    async def run():
        sink = Sink(
            str(root),
            str(wal),
            flush_rows=10**9,
            flush_seconds=WHEN_TOLD,
            join_ttl_seconds=WHEN_TOLD,
        )
        await sink.start()
        for event in events:
            await sink.accept(event)
        await sink.stop()

    asyncio.run(run())


def _both(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    logged = reader.read_log(str(root), "credit", START, END)
    scanned = pd.concat(
        list(scan.scan_window(str(root), "credit", START, END, progress=False)), ignore_index=True
    )
    return logged, scanned


def _calls(frame: pd.DataFrame) -> list:
    rows = frame.sort_values("request_id")
    return rows[["request_id", "x", "prediction", "has_request", "has_response"]].values.tolist()


WANTED = [["c1", 1.5, 1.0, True, True], ["c2", 2.0, 0.0, True, True]]


def test_a_call_copied_into_files_of_different_columns_is_one_call(tmp_path):
    root = tmp_path / "root"
    c1 = _call("c1", T1, {"x": 1.5}, 1)
    _write(root, tmp_path / "walA", c1)  # before "s" was registered: the file has no column s
    _write(root, tmp_path / "walB", [*_call("c2", T2, {"x": 2.0, "s": "a"}, 0), *c1])  # s: None
    assert len(parquet_rows(root)) == 3
    logged, scanned = _both(root)
    assert _calls(logged) == _calls(scanned) == WANTED  # read_log before: c1 twice


def test_halves_copied_into_files_of_different_columns_are_stitched(tmp_path):
    root = tmp_path / "root"
    c1 = _call("c1", T1, {"x": 1.5}, 1)
    _write(root, tmp_path / "walA", c1[:1])  # the request half, no column s
    _write(root, tmp_path / "walB", _call("c2", T2, {"x": 2.0, "s": "a"}, 0))
    _write(root, tmp_path / "walC", c1[:1])  # the request delivered again, after s: None
    _write(root, tmp_path / "walD", c1[1:])  # the response half
    logged, scanned = _both(root)
    assert _calls(logged) == _calls(scanned) == WANTED  # read_log before: three half rows of c1


def _pair(**values) -> pd.DataFrame:
    """Two complete rows of one key and time that differ only in ``values`` (column: (a, b))."""
    rows = {
        "request_id": ["r", "r"],
        "instance": [0, 0],
        "time": [T1, T1],
        "has_request": [True, True],
        "has_response": [True, True],
        "x": [1.0, 1.0],
        "prediction": [0.5, 0.5],
    }
    rows.update(
        {
            c: np.array(v, dtype=float if all(isinstance(x, float) for x in v) else object)
            for c, v in values.items()
        }
    )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "values",
    [
        {"x": (np.nan, -np.nan)},  # NaN and -NaN (a sign bit in a float file), one missing value
        {"x": (0.0, -0.0)},
        {"s": (np.nan, None)},  # a column one file lacks, a null of a file that has it
        {"x": (np.nan, None)},  # float NaN and None in one object column
    ],
)
def test_copies_differing_in_how_missing_reads_are_one_row(values):
    assert len(reader.merge_halves(_pair(**values))) == 1


@pytest.mark.parametrize("column", ["_mistyped", "_overflow", "_error"])
def test_two_calls_differing_only_in_what_the_sink_kept_aside_are_two_rows(column):
    # before: hashed without the _-prefixed columns, the first call's row dropped as a copy
    assert len(reader.merge_halves(_pair(**{column: ('{"x": "1"}', '{"x": "2"}')}))) == 2


def test_an_abandoned_sink_refuses_events_saying_it_was_abandoned(tmp_path):
    # before: the text of a stop's final flush ("its final flush took the last commit"), which
    # abandon never makes
    from ctloop.inference_log.sink import SinkUnavailable

    async def run():
        sink = Sink(
            str(tmp_path / "root"),
            str(tmp_path / "wal"),
            flush_rows=10**9,
            flush_seconds=WHEN_TOLD,
            join_ttl_seconds=WHEN_TOLD,
        )
        await sink.start()
        await sink.abandon()
        with pytest.raises(SinkUnavailable) as refused:
            sink.submit(_event("request", "late", T1, {"instances": [{"x": 1.0}]}))
        return str(refused.value)

    said = asyncio.run(run())
    assert "abandoned" in said and "without a final flush" in said
    assert "took the last commit" not in said


def test_the_monitoring_partitions_say_the_rows_they_skipped_once(tmp_path, capsys):
    # before: collect_partition counted them (Held.skipped) and dropped the count; merge_partials
    # said nothing, though docs/inference-log.md says the monitoring scan does (scan_window does)
    import base64
    import zlib

    from ctloop.monitoring import window
    from tests.inference_log.test_r57_inflog_no_inference_rows import UNKNOWN, V2

    day = tmp_path / "log" / "model=credit" / "date=2026-11-22"
    # pre-56 files: 5 GET answers, half-1, call-1
    for revision, data in (("unknown", UNKNOWN), ("v2", V2)):
        (day / f"revision={revision}").mkdir(parents=True)
        (day / f"revision={revision}" / "part-0.parquet").write_bytes(
            zlib.decompress(base64.b64decode(data))
        )
    spec = window.WindowSpec(START, END, START, START)
    planned = window.plan(str(tmp_path / "log"), "credit", spec, 2, progress=False)
    parts = []
    # each partition's state saved and loaded, as the tasks pass it on
    for index in range(len(planned.groups)):
        window.collect_partition(planned, index, progress=False).save(str(tmp_path / f"p{index}"))
        parts.append(window.Partial.load(str(tmp_path / f"p{index}")))
    assert capsys.readouterr().err == ""  # the partition tasks say nothing: the merge says it, once
    state = window.merge_partials(parts, partitions=len(planned.groups))
    assert state.counts["rows"] == 2  # call-1 and half-1
    said = capsys.readouterr().err
    assert said.count("ctloop: skipped") == 1, said
    assert "skipped 5 response half row(s) of credit with no prediction, error or value" in said, (
        said
    )


def test_the_files_a_sink_writes_say_their_format(tmp_path):
    # before: no key-value metadata, so a file told nothing of the sink that wrote it: a reader
    # could not tell a pre-56 GET's response half of nothing from a null prediction answered now
    import pyarrow.parquet as pq

    root = tmp_path / "root"
    _write(root, tmp_path / "wal", _call("c1", T1, {"x": 1.5}, None))
    (part,) = root.rglob("part-*.parquet")
    assert pq.read_schema(part).metadata[b"ctloop.inference_log.format"] == b"57"


def _rows_of(*rows: np.ndarray) -> np.ndarray:
    """An object array of arrays, as pyarrow's to_pandas gives a list<list<double>> value."""
    out = np.empty(len(rows), dtype=object)
    out[:] = list(rows)
    return out


@pytest.mark.parametrize(
    "values",
    [
        # ids past float64's 53 bits: hashed as float64 they were one value (review of round 57)
        {"id": np.array([2**53, 2**53 + 1], dtype="int64")},
        {"id": pd.array([2**53, 2**53 + 1], dtype="Int64")},
        # whole tensors: numpy's printed text rounds to 8 digits and cuts arrays past 1,000 values
        {"t": [np.array([0.1234567891]), np.array([0.1234567892])]},
        {"t": [np.zeros(2000), np.where(np.arange(2000) == 1000, 1.0, 0.0)]},
        # a 2-D tensor as pyarrow reads list<list<double>>: an object array of arrays
        {"t": [_rows_of(np.array([0.123456789012, 1.0])), _rows_of(np.array([0.123456789013, 1.0]))]},
    ],
    ids=["int64", "Int64", "tensor-digits", "tensor-long", "tensor-2d"],
)
def test_two_calls_differing_past_what_a_float_or_a_printed_array_holds_are_two_rows(values):
    frame = _pair()
    for column, pair in values.items():
        frame[column] = pd.Series(list(pair) if isinstance(pair, list) else pair, dtype=None if not isinstance(
            pair, list) else object)
    assert len(reader.merge_halves(frame)) == 2


def test_whole_numbers_hash_alike_in_an_int_and_a_float_file():
    # copies of one call written to a file where the column is int64 and one where it is double
    one = reader._value_hashes(pd.DataFrame({"id": np.array([7, 2**40], dtype="int64")}))
    other = reader._value_hashes(pd.DataFrame({"id": np.array([7.0, 2.0**40])}))
    assert one.tolist() == other.tolist()
