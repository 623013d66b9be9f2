"""A call split at midnight, read by a window ending before that midnight (round 44): the mirror
of round 43's lookback, and ``read_log``'s lookback bounded to what it needs.

Two sink replicas wrote the request half of a call at 23:59:59.9 (yesterday's partition) and its
response half at 00:00:00.2 (today's). A window ending at 23:59:59.95 read only yesterday: the
request half alone, counted unanswered; the next window looked the response half's request up
in the day before (round 43) and left the call to the window of its request. So the call counted
as served in no window, while one replica (a complete row at the request's time) counts it in the
first. Now both readers look the ids of lone request halves of the last hour before the midnight
ending the read up in the day after, and merge them as a read of both days would.

``read_log`` looked its lone response halves up by reading every file of the day before (its
``request_id`` column) and a file holding one of the ids whole; files whose footers say they hold
no request half are now skipped, and of the others only the row groups holding an id are read.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.inference_log import reader

from .test_r43_infolog_midnight_halves import (
    DAY1,
    DAY2,
    REQUEST_TIME,
    RESPONSE_TIME,
    _read,
    half,
    write,
)

BEFORE_MIDNIGHT = ("2026-01-04T23:00:00Z", "2026-01-04T23:59:59.950Z")
AFTER_IT = ("2026-01-04T23:59:59.950Z", "2026-01-05T01:00:00Z")


@pytest.fixture()
def log(tmp_path):
    root = tmp_path / "log"
    write(
        root,
        DAY1,
        "a",
        [
            half("request", REQUEST_TIME, "split", income=1.0),
            # a call that failed (no response event: KServe's agent logs responses of HTTP 200 only)
            half("request", "2026-01-04T23:59:59.500+00:00", "failed", income=2.0),
            half("both", "2026-01-04T23:10:00+00:00", "early", income=5.0, prediction=0.5),
        ],
    )
    write(
        root,
        DAY2,
        "b",
        [
            half("response", RESPONSE_TIME, "split", prediction=0.9),
            half("both", "2026-01-05T00:30:00+00:00", "late", income=7.0, prediction=0.7),
        ],
    )
    return str(root)


@pytest.mark.parametrize("how", ["read_log", "scan"])
def test_a_call_split_at_midnight_is_served_in_the_window_of_its_request(log, how):
    before = _read(log, *BEFORE_MIDNIGHT, how)
    after = _read(log, *AFTER_IT, how)
    # before round 44: "split" a request half without prediction here, and absent from "after"
    assert before[["request_id", "income", "prediction"]].fillna(-1).values.tolist() == [
        ["early", 5.0, 0.5],
        ["failed", 2.0, -1],
        ["split", 1.0, 0.9],
    ]
    assert sorted(reader.served(before).request_id) == ["early", "split"]
    assert after.request_id.tolist() == ["late"]


@pytest.mark.parametrize("how", ["read_log", "scan"])
def test_a_projected_scan_and_read_log_agree(log, how):
    if how == "scan":
        from ctloop.inference_log import scan

        start, end = (pd.Timestamp(t) for t in BEFORE_MIDNIGHT)
        chunks = list(
            scan.scan_window(
                log,
                "credit",
                start,
                end,
                columns=["has_request", "has_response", "prediction"],
                progress=False,
            )
        )
        out = pd.concat(chunks, ignore_index=True).sort_values("request_id")
    else:
        out = _read(log, *BEFORE_MIDNIGHT, how)
    assert out.prediction.fillna(-1).tolist() == [0.5, -1, 0.9]


def test_a_lone_request_long_before_midnight_is_not_looked_up(log, tmp_path, monkeypatch):
    """Only the last hour before the midnight ending the read: a response answers within
    Knative's request timeout (600 s by default). A lone request at 22:30, read by a window
    ending before midnight, is not looked up (fix 44d: the test passed without the bound)."""
    write(
        tmp_path / "log",
        DAY1,
        "c",
        [half("request", "2026-01-04T22:30:00+00:00", "at-2230", income=3.0)],
    )
    looked = []
    real = reader.later_rows

    def recording(prefix, end, ids):
        looked.append(sorted(ids))
        return real(prefix, end, ids)

    monkeypatch.setattr(reader, "later_rows", recording)
    _read(log, "2026-01-04T10:00:00Z", "2026-01-04T22:00:00Z", "read_log")
    _read(log, "2026-01-04T22:00:00Z", BEFORE_MIDNIGHT[1], "read_log")
    assert looked == [["failed", "split"]]


def test_read_log_reads_the_day_before_no_further_than_it_needs(tmp_path, monkeypatch):
    """The day before holds a response-only file and a file of three row groups, one holding the
    request of the lone response half read today: only that row group is read whole."""
    root = tmp_path / "log"
    write(
        root,
        DAY1,
        "r",
        [
            half("response", f"{DAY1}T10:{m:02d}:00+00:00", f"resp-{m}", prediction=0.1)
            for m in range(20)
        ],
    )
    rows = [
        half("both", f"{DAY1}T1{g}:00:00+00:00", f"call-{g}-{n}", income=1.0, prediction=0.2)
        for g in range(3)
        for n in range(10)
    ]
    rows[25] = half("request", REQUEST_TIME, "split", income=3.0)
    path = root / "model=credit" / f"date={DAY1}" / "revision=v2" / "part-groups.parquet"
    pq.write_table(
        pa.Table.from_pandas(pd.DataFrame(rows), preserve_index=False), path, row_group_size=10
    )
    write(root, DAY2, "b", [half("response", RESPONSE_TIME, "split", prediction=0.9)])

    whole = []
    groups = []
    real_read, real_groups = pq.ParquetFile.read, pq.ParquetFile.read_row_groups

    def recording_read(self, *args, **kwargs):
        whole.append(kwargs.get("columns") or (args[0] if args else None))
        return real_read(self, *args, **kwargs)

    def recording_groups(self, row_groups, *args, **kwargs):
        groups.append(list(row_groups))
        return real_groups(self, row_groups, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read", recording_read)
    monkeypatch.setattr(pq.ParquetFile, "read_row_groups", recording_groups)
    out = reader.read_log(
        str(root),
        "credit",
        pd.Timestamp("2026-01-05T00:00:00Z"),
        pd.Timestamp("2026-01-05T01:00:00Z"),
    )
    assert out.empty  # the call counts in its request's window, yesterday's
    # before round 44: the request_id column of both files (ParquetFile.read), then the second whole
    assert whole == [] and groups == [[2]]


def test_read_log_never_reads_a_response_only_day_before_past_its_footers(tmp_path, monkeypatch):
    """A model logged with ``logger.mode: response``: the day before holds no request half to look
    up (as the scan decides it since round 43)."""
    root = tmp_path / "log"
    for day in (DAY1, DAY2):
        write(
            root,
            day,
            "r",
            [
                half("response", f"{day}T10:{m:02d}:00+00:00", f"{day}-{m}", prediction=0.1)
                for m in range(20)
            ],
        )
    read = []
    real_read, real_group = pq.ParquetFile.read, pq.ParquetFile.read_row_group

    def recording_read(self, *args, **kwargs):
        read.append("read")
        return real_read(self, *args, **kwargs)

    def recording_group(self, *args, **kwargs):
        read.append("group")
        return real_group(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read", recording_read)
    monkeypatch.setattr(pq.ParquetFile, "read_row_group", recording_group)
    out = reader.read_log(
        str(root), "credit", pd.Timestamp(f"{DAY2}T00:00:00Z"), pd.Timestamp(f"{DAY2}T12:00:00Z")
    )
    assert len(out) == 20
    assert read == []  # before round 44: the day before's request_id column read (ParquetFile.read)
