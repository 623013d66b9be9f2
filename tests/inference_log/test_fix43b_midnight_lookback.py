"""A call split at midnight, read by both readers (review of round 43, items 1 and 2).

1. A response half stored twice (at-least-once delivery: a WAL replayed, or two replicas each
   writing it) is involved (its key repeats), so the scan merged it into one response-only row
   and never looked it up in the day before: the call counted again in the window starting at
   midnight, while ``read_log`` counted it once. Both readers now agree on every layout here.
2. A model logged with ``logger.mode: response`` has only lone response halves: the scan held
   every one of them until the end of the pass (one chunk of the whole window) and read the
   day before's ``request_id`` columns for each window. Chunks are now at most ``batch_rows``
   rows, and a day before whose footers say it holds no request half is never read.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ctloop.inference_log import reader, scan

from .test_r43_infolog_midnight_halves import (
    DAY1,
    DAY2,
    REQUEST_TIME,
    RESPONSE_TIME,
    _read,
    half,
    write,
)

BEFORE_MIDNIGHT = ("2026-01-04T23:00:00Z", "2026-01-05T00:00:00Z")
AFTER_MIDNIGHT = ("2026-01-05T00:00:00Z", "2026-01-05T01:00:00Z")


def _split_request(root, copies: int = 1) -> None:
    for n in range(copies):
        write(root, DAY1, f"a{n}", [half("request", REQUEST_TIME, "split", income=1.0)])


def _response(root, name: str) -> None:
    write(root, DAY2, name, [half("response", RESPONSE_TIME, "split", prediction=0.9)])


LAYOUTS = {
    # the response half stored twice in one file (a WAL replayed after a crash)
    "response-twice-one-file": lambda root: (
        _split_request(root),
        write(root, DAY2, "b", [half("response", RESPONSE_TIME, "split", prediction=0.9)] * 2),
    ),
    # two replicas each wrote the response half (the event delivered again to another replica)
    "response-by-two-replicas": lambda root: (
        _split_request(root),
        _response(root, "b"),
        _response(root, "c"),
    ),
    # the request half stored twice the day before, the response once
    "request-twice": lambda root: (_split_request(root, copies=2), _response(root, "b")),
    # both halves stored twice
    "both-twice": lambda root: (
        _split_request(root, copies=2),
        _response(root, "b"),
        _response(root, "c"),
    ),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_both_readers_count_a_midnight_call_once_however_often_its_halves_were_stored(
    tmp_path, layout
):
    root = tmp_path / "log"
    LAYOUTS[layout](root)
    write(
        root,
        DAY2,
        "z",
        [half("both", "2026-01-05T00:30:00+00:00", "late", income=7.0, prediction=0.7)],
    )
    seen = {}
    for how in ("read_log", "scan"):
        before = _read(str(root), *BEFORE_MIDNIGHT, how)
        after = _read(str(root), *AFTER_MIDNIGHT, how)
        assert before[["request_id", "income", "prediction"]].values.tolist() == [
            ["split", 1.0, 0.9]
        ], how
        # before this fix the scan counted "split" again here, as a response half alone
        assert after.request_id.tolist() == ["late"], how
        seen[how] = after
    pd.testing.assert_frame_equal(
        seen["read_log"][["request_id", "prediction"]], seen["scan"][["request_id", "prediction"]]
    )


def test_the_monitoring_partitions_count_it_once_too(tmp_path):
    """The monitoring component reads a window in partitions (``window.plan``/``collect_partition``/
    ``merge_partials``): the response halves in two partitions still meet their request."""
    root = tmp_path / "log"
    LAYOUTS["response-by-two-replicas"](root)
    write(
        root,
        DAY2,
        "z",
        [half("both", "2026-01-05T00:30:00+00:00", "late", income=7.0, prediction=0.7)],
    )
    start, end = (pd.Timestamp(t) for t in AFTER_MIDNIGHT)
    files = scan.window_files(str(root), "credit", start, end)
    schema = scan.unified_schema(files)
    involved = scan.involved_ids(files, schema)
    helds = []
    rows = []
    for group in ([files[0]], files[1:]):  # two partitions: "b" alone, then "c" and "z"
        held = scan.Held()
        rows += list(scan.scan_unique(group, schema, None, start, end, involved, held))
        helds.append(held.frame())
    rows.append(scan.merge_held(scan.Held(helds), start, end))
    out = pd.concat([r for r in rows if len(r)], ignore_index=True)
    assert sorted(out.request_id) == ["late"]


def _response_only_model(root, days=(DAY1, DAY2)) -> None:
    """A model logged with KServe's ``logger: {mode: response}``: every row a response half."""
    for day in days:
        for f in range(4):
            write(
                root,
                day,
                f"r{f}",
                [
                    half(
                        "response", f"{day}T0{f}:{m:02d}:00+00:00", f"{day}-{f}-{m}", prediction=0.1
                    )
                    for m in range(50)
                ],
            )


def test_a_response_only_model_is_scanned_in_chunks_of_batch_rows(tmp_path):
    root = tmp_path / "log"
    _response_only_model(root)
    chunks = list(
        scan.scan_window(
            str(root),
            "credit",
            pd.Timestamp(f"{DAY2}T00:00:00Z"),
            pd.Timestamp("2026-01-06T00:00:00Z"),
            batch_rows=20,
            progress=False,
        )
    )
    # before this fix: one chunk of 199 rows (every lone half held to the end of the pass)
    assert max(len(c) for c in chunks) <= 20
    assert sum(len(c) for c in chunks) == 199  # 00:00:00 is not in (00:00, ...]


def test_a_day_before_without_request_halves_is_never_read_past_its_footers(tmp_path, monkeypatch):
    root = tmp_path / "log"
    _response_only_model(root)
    opened, read = {}, []
    real_open = scan.open_parquet

    def recording_open(uri, *args, **kwargs):
        pf = real_open(uri, *args, **kwargs)
        opened[id(pf)] = uri
        return pf

    real_read, real_iter = pq.ParquetFile.read, pq.ParquetFile.iter_batches

    def recording_read(self, *args, **kwargs):
        read.append(opened.get(id(self), "?"))
        return real_read(self, *args, **kwargs)

    def recording_iter(self, *args, **kwargs):
        read.append(opened.get(id(self), "?"))
        return real_iter(self, *args, **kwargs)

    monkeypatch.setattr(scan, "open_parquet", recording_open)
    monkeypatch.setattr(pq.ParquetFile, "read", recording_read)
    monkeypatch.setattr(pq.ParquetFile, "iter_batches", recording_iter)
    rows = sum(
        len(c)
        for c in scan.scan_window(
            str(root),
            "credit",
            pd.Timestamp(f"{DAY2}T00:00:00Z"),
            pd.Timestamp("2026-01-06T00:00:00Z"),
            batch_rows=20,
            progress=False,
        )
    )
    assert rows == 199
    assert read and not [uri for uri in read if f"date={DAY1}" in uri]


def test_many_lone_halves_with_requests_the_day_before_still_meet_them(tmp_path):
    """More lone halves than ``batch_rows`` (the scan then decides them against the day before's
    request ids): those whose request is there count once, in their request's window."""
    root = tmp_path / "log"
    write(
        root,
        DAY1,
        "a",
        [half("request", REQUEST_TIME, f"split-{n}", income=float(n)) for n in range(30)],
    )
    write(
        root,
        DAY2,
        "b",
        [half("response", RESPONSE_TIME, f"split-{n}", prediction=0.9) for n in range(30)]
        + [
            half("response", "2026-01-05T00:10:00+00:00", f"orphan-{n}", prediction=0.3)
            for n in range(30)
        ],
    )
    start, end = (pd.Timestamp(t) for t in AFTER_MIDNIGHT)
    chunks = list(scan.scan_window(str(root), "credit", start, end, batch_rows=8, progress=False))
    assert max(len(c) for c in chunks) <= 8
    out = pd.concat(chunks, ignore_index=True)
    assert sorted(out.request_id) == sorted(f"orphan-{n}" for n in range(30))
    assert sorted(reader.read_log(str(root), "credit", start, end).request_id) == sorted(
        out.request_id
    )


def test_a_pair_split_within_the_window_day_reads_no_day_before_data(tmp_path, monkeypatch):
    """A request and its response halves written by two replicas on one day meet in the read:
    the day before (a model logged with ``mode: all``) is read no further than its footers."""
    root = tmp_path / "log"
    write(
        root,
        DAY1,
        "a",
        [half("both", "2026-01-04T10:00:00+00:00", "yesterday", income=1.0, prediction=0.1)],
    )
    write(root, DAY2, "b", [half("request", "2026-01-05T00:10:00+00:00", "pair", income=2.0)])
    write(
        root,
        DAY2,
        "c",
        [half("response", "2026-01-05T00:10:00.100+00:00", "pair", prediction=0.2)] * 2,
    )
    read = []
    real_batches = scan.read_batches

    def recording(files, *args, **kwargs):
        read.extend(files)
        return real_batches(files, *args, **kwargs)

    monkeypatch.setattr(scan, "read_batches", recording)
    out = _read(str(root), *AFTER_MIDNIGHT, "scan")
    assert out[["request_id", "income", "prediction"]].values.tolist() == [["pair", 2.0, 0.2]]
    assert read and not [uri for uri in read if f"date={DAY1}" in uri]
