"""A call whose halves two sink replicas wrote either side of midnight counts in one window only
(round 43; the "known limit" of round 42's docs).

The sink partitions a row by its own time (``date=`` of ``time``), and a half row's time is its
event's: the request half of a call at 23:59:59.9 lands in yesterday's partition, its response
half at 00:00:00.2 in today's. A window ending at midnight reads both days and gets the complete
row. The window starting at midnight read only today's partition, found the response half alone
and counted it again: a served row with a prediction and no features, in two consecutive windows.

Now both readers (``reader.read_log`` and the bounded-memory ``scan.scan_window`` monitoring
uses) look up the ids of such lone response halves in the partition of the day before the read's
first day, and merge them with what they find there as a read of both days would: the call counts
once, in the window of its request. A response half whose request was never logged still counts.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.inference_log import reader, scan

DAY1, DAY2 = "2026-01-04", "2026-01-05"
REQUEST_TIME = "2026-01-04T23:59:59.900+00:00"
RESPONSE_TIME = "2026-01-05T00:00:00.200+00:00"


def half(kind: str, time: str, request_id: str, instance: int = 0, **columns) -> dict:
    return {
        "request_id": request_id,
        "instance": instance,
        "model": "credit",
        "time": time,
        "model_version": "2" if kind != "request" else "",
        "revision": "v2",
        "has_request": kind != "response",
        "has_response": kind != "request",
        **columns,
    }


def write(root, day: str, name: str, rows: list[dict]) -> None:
    path = root / "model=credit" / f"date={day}" / "revision=v2" / f"part-{name}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(path)


@pytest.fixture()
def log(tmp_path):
    root = tmp_path / "log"
    # replica A wrote the request half of "split" just before midnight, with another complete row
    write(
        root,
        DAY1,
        "a",
        [
            half("request", REQUEST_TIME, "split", income=1.0),
            half("both", "2026-01-04T23:10:00+00:00", "early", income=5.0, prediction=0.5),
        ],
    )
    # replica B wrote its response half just after midnight; "orphan"'s request was never logged
    write(
        root,
        DAY2,
        "b",
        [
            half("response", RESPONSE_TIME, "split", prediction=0.9),
            half("response", "2026-01-05T00:20:00+00:00", "orphan", prediction=0.3),
            half("both", "2026-01-05T00:30:00+00:00", "late", income=7.0, prediction=0.7),
        ],
    )
    return str(root)


def _read(log_root: str, start: str, end: str, how: str) -> pd.DataFrame:
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if how == "read_log":
        frame = reader.read_log(log_root, "credit", start, end)
    else:
        chunks = list(scan.scan_window(log_root, "credit", start, end, progress=False))
        frame = (
            pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=["request_id"])
        )
    return frame.sort_values("request_id").reset_index(drop=True)


@pytest.mark.parametrize("how", ["read_log", "scan"])
def test_a_call_split_at_midnight_counts_in_one_window(log, how):
    before = _read(log, "2026-01-04T23:00:00Z", "2026-01-05T00:00:00Z", how)
    after = _read(log, "2026-01-05T00:00:00Z", "2026-01-05T01:00:00Z", how)
    split = before[before.request_id == "split"]
    assert len(split) == 1 and split.income.item() == 1.0 and split.prediction.item() == 0.9
    assert before.request_id.tolist() == ["early", "split"]
    # before round 43: ["late", "orphan", "split"], the split call's response counted again
    assert after.request_id.tolist() == ["late", "orphan"]
    assert len(reader.served(after)) == 2


@pytest.mark.parametrize("how", ["read_log", "scan"])
def test_a_window_starting_mid_day_looks_back_one_day_too(log, how):
    """A window (00:00:00.1, 01:00] holds the response half's time, not the call (its request is
    before the window): before round 43 it counted the response half."""
    assert _read(
        log, "2026-01-05T00:00:00.100Z", "2026-01-05T01:00:00Z", how
    ).request_id.tolist() == ["late", "orphan"]


@pytest.mark.parametrize("how", ["read_log", "scan"])
def test_two_requests_under_the_id_yesterday_stay_halves_as_written(tmp_path, how):
    """Ambiguous (two requests share the id): never stitched, as a read of both days leaves them,
    so today's window keeps the response half, and yesterday's window never counted it."""
    root = tmp_path / "log"
    write(
        root,
        DAY1,
        "a",
        [
            half("request", REQUEST_TIME, "split", income=1.0),
            half("request", "2026-01-04T23:59:59.950+00:00", "split", income=2.0),
        ],
    )
    write(root, DAY2, "b", [half("response", RESPONSE_TIME, "split", prediction=0.9)])
    before = _read(str(root), "2026-01-04T23:00:00Z", "2026-01-05T00:00:00Z", how)
    after = _read(str(root), "2026-01-05T00:00:00Z", "2026-01-05T01:00:00Z", how)
    assert sorted(before.income.tolist()) == [1.0, 2.0] and before.prediction.isna().all()
    assert after.request_id.tolist() == ["split"] and after.prediction.tolist() == [0.9]


@pytest.mark.parametrize("how", ["read_log", "scan"])
def test_an_unreadable_day_before_never_fails_the_window(log, how, capsys):
    """The day before is not the window's data: a file there that is no Parquet leaves the lone
    response half counted, as before round 43, with a line on stderr."""
    import pathlib

    bad = pathlib.Path(log) / "model=credit" / f"date={DAY1}" / "revision=v2" / "part-torn.parquet"
    bad.write_bytes(b"PAR1 cut short")
    after = _read(log, "2026-01-05T00:00:00Z", "2026-01-05T01:00:00Z", how)
    assert after.request_id.tolist() == ["late", "orphan", "split"]
    assert "the day before" in capsys.readouterr().err
