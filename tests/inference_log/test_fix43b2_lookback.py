"""The scan's look-up of the day before a window (lone response halves of calls split at
midnight), as ``read_log`` does it: a day whose logger mode changed, memory bounded by
``key_budget``, and one line when the day before cannot be read."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.errors import InferenceLogError
from ctloop.inference_log import reader, scan

START, END = pd.Timestamp("2026-01-05T00:00:00Z"), pd.Timestamp("2026-01-06T00:00:00Z")


def _write(root, day, name, rows):
    path = root / "model=credit" / f"date={day}" / "revision=v2" / f"part-{name}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    table = (
        rows
        if isinstance(rows, pa.Table)
        else pa.Table.from_pandas(pd.DataFrame(rows), preserve_index=False)
    )
    pq.write_table(table, path, compression=None)
    return path


def _half(kind, time, rid, **values):
    return {
        "request_id": rid,
        "instance": 0,
        "time": time,
        "model_version": "2",
        "has_request": kind != "response",
        "has_response": kind != "request",
        "income": values.get("income", np.nan),
        "prediction": values.get("prediction", np.nan),
    }


def _scan(root, **kw):
    chunks = [
        c for c in scan.scan_window(str(root), "credit", START, END, progress=False, **kw) if len(c)
    ]
    return (
        pd.concat(chunks, ignore_index=True)
        if chunks
        else pd.DataFrame(columns=["request_id", "time"])
    )


def _rows(frame):
    return sorted(frame[["request_id", "time"]].itertuples(index=False, name=None))


def test_a_day_before_partly_response_only_is_read_as_read_log_reads_it(tmp_path):
    # the day before: logger mode response in the morning (a response-only file), then all; the
    # client reused X-Request-Id X; replica 1 wrote X's request at 23:59:59.9, replica 2 its response
    _write(
        tmp_path,
        "2026-01-04",
        "r",
        [_half("response", "2026-01-04T10:00:00+00:00", "X", prediction=0.1)],
    )
    _write(
        tmp_path,
        "2026-01-04",
        "a",
        [_half("request", "2026-01-04T23:59:59.9+00:00", "X", income=1.0)],
    )
    _write(
        tmp_path,
        "2026-01-05",
        "b",
        [_half("response", "2026-01-05T00:00:00.2+00:00", "X", prediction=0.9)],
    )
    expected = reader.read_log(str(tmp_path), "credit", START, END)
    assert _rows(expected) == [("X", "2026-01-05T00:00:00.2+00:00")]
    assert _rows(_scan(tmp_path)) == _rows(expected)


def test_the_day_before_ids_stay_within_key_budget(tmp_path):
    # logger mode all the day before (80,000 calls), response since midnight: every row of the
    # window is a lone response half; three are calls split at midnight
    n, m = 80_000, 1_000
    _write(
        tmp_path,
        "2026-01-04",
        "a",
        pa.table(
            {
                "request_id": [f"req-{i}" for i in range(n)],
                "instance": np.zeros(n, dtype=np.int64),
                "time": ["2026-01-04T23:59:59.9+00:00"] * n,
                "has_request": np.ones(n, bool),
                "has_response": np.r_[np.zeros(3, bool), np.ones(n - 3, bool)],
                "income": np.ones(n),
            }
        ),
    )
    _write(
        tmp_path,
        "2026-01-05",
        "b",
        pa.table(
            {
                "request_id": [f"req-{i}" if i < 3 else f"new-{i}" for i in range(m)],
                "instance": np.zeros(m, dtype=np.int64),
                "time": ["2026-01-05T00:00:00.2+00:00"] * m,
                "has_request": np.zeros(m, bool),
                "has_response": np.ones(m, bool),
                "prediction": np.ones(m),
            }
        ),
    )
    warm = tmp_path / "warm"  # the modules a scan imports, loaded before memory is traced
    _write(
        warm, "2026-01-04", "a", [_half("request", "2026-01-04T23:59:59.9+00:00", "w", income=1.0)]
    )
    _write(
        warm,
        "2026-01-05",
        "b",
        [_half("response", "2026-01-05T00:00:00.2+00:00", "w", prediction=1.0)],
    )
    _scan(warm, key_budget=0, spill_dir=str(tmp_path))
    tracemalloc.start()
    try:
        got = _scan(tmp_path, batch_rows=1_000, key_budget=1_000, spill_dir=str(tmp_path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(got) == m - 3 and not got["request_id"].isin(["req-0", "req-1", "req-2"]).any()
    # the ids of the day before (640 kB as one array, about 2.9 MB while it is built) are on disk past the budget
    assert peak < 1_500_000, f"peak {peak:,} bytes"
    assert not list(tmp_path.glob("ctloop-ids-*"))  # the spill is removed


def test_an_unreadable_day_before_is_one_line_and_no_more_reads(tmp_path, capsys):
    path = _write(
        tmp_path,
        "2026-01-04",
        "a",
        [_half("request", "2026-01-04T23:59:59.9+00:00", f"s{i}", income=1.0) for i in range(50)],
    )
    meta = pq.ParquetFile(path).metadata
    chunk = meta.row_group(0).column(meta.schema.names.index("request_id"))
    at = chunk.dictionary_page_offset or chunk.data_page_offset
    data = bytearray(path.read_bytes())
    # spoil the request ids
    data[at : at + chunk.total_compressed_size] = b"\xff" * chunk.total_compressed_size
    path.write_bytes(bytes(data))
    _write(
        tmp_path,
        "2026-01-05",
        "b",
        [
            _half(
                "response",
                f"2026-01-05T00:{i // 60:02d}:{i % 60:02d}.5+00:00",
                f"r{i}",
                prediction=0.5,
            )
            for i in range(100)
        ],
    )
    # counted in this window, as read_log counts them
    assert len(_scan(tmp_path, batch_rows=10)) == 100
    lines = [
        line for line in capsys.readouterr().err.splitlines() if "day before the window" in line
    ]
    assert len(lines) == 1, lines


def test_a_day_before_typed_where_the_window_is_null_typed_reads_as_read_log(tmp_path, capsys):
    # not the sink's (it writes every registered column typed): a hand-written window file whose
    # prediction is all null (Arrow's null type) and a day before with it as double; before this
    # fix the scan stopped on Arrow's cast error (ArrowNotImplementedError)
    _write(
        tmp_path,
        "2026-01-04",
        "a",
        [_half("request", "2026-01-04T23:59:59.9+00:00", "X", income=1.0, prediction=0.3)],
    )
    _write(
        tmp_path,
        "2026-01-05",
        "b",
        pa.table(
            {
                "request_id": ["X"],
                "instance": [0],
                "time": ["2026-01-05T00:00:00.2+00:00"],
                "has_request": [False],
                "has_response": [True],
                "prediction": pa.nulls(1),
            }
        ),
    )
    expected = reader.read_log(str(tmp_path), "credit", START, END)
    assert (
        _rows(_scan(tmp_path)) == _rows(expected) == []
    )  # the call counts in its request's window
    assert "day before the window" not in capsys.readouterr().err


def test_a_failed_scan_removes_its_spill_while_its_error_is_held(tmp_path):
    # the scan's own finally removes the spilled ids: an error raised after the spill keeps the
    # scan's frame (and without that finally the spill) alive as long as the caller holds it
    root, spill = tmp_path / "log", tmp_path / "spill"
    spill.mkdir()
    _write(
        root,
        "2026-01-04",
        "a",
        [_half("request", "2026-01-04T23:59:59.9+00:00", f"q{i}", income=1.0) for i in range(5)],
    )
    _write(
        root,
        "2026-01-05",
        "b",
        [
            _half("response", "2026-01-05T00:00:00.2+00:00", f"n{i}", prediction=0.5)
            for i in range(5)
        ],
    )
    path = _write(
        root,
        "2026-01-05",
        "c",
        [
            _half("response", "2026-01-05T00:00:01.2+00:00", f"m{i}", prediction=0.5)
            for i in range(5)
        ],
    )
    meta = pq.ParquetFile(path).metadata
    chunk = meta.row_group(0).column(meta.schema.names.index("prediction"))
    at = chunk.dictionary_page_offset or chunk.data_page_offset
    data = bytearray(path.read_bytes())
    data[at : at + chunk.total_compressed_size] = (
        b"\xff" * chunk.total_compressed_size
    )  # pass 2 only reads it
    path.write_bytes(bytes(data))
    gen = scan.scan_window(
        str(root),
        "credit",
        START,
        END,
        progress=False,
        batch_rows=1,
        key_budget=0,
        spill_dir=str(spill),
    )
    assert len(next(gen)) == 1
    assert list(spill.glob("ctloop-ids-*"))  # the day before's ids are spilled while the scan runs
    with pytest.raises(InferenceLogError, match="part-c") as info:
        list(gen)
    assert info.value.__traceback__ is not None  # the error (and the scan's frame) still held
    assert not list(spill.glob("ctloop-ids-*")), "the spill outlives a failed scan"
