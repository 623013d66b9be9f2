"""The scan looks up in the day after only the request halves nothing in the read answers (fix 44d).

Round 44's ``scan._Lookback.note_held`` queued every request half of an involved call (an id with
more than one row, held until the merge) of the last hour before the midnight ending the read,
before the merge: an ordinary call whose halves two replicas wrote at 23:30 made the scan read the
whole day after's ``request_id`` column (``read_log``, which merges first, read none). Now, as the
day-before lookup takes ``halves - asked``, only held request halves no held row answers are
looked up. And its warning counted the lone request halves about to wait: it said "0 waiting"
when one was.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.inference_log import reader, scan
from tests.inference_log.test_r43_infolog_midnight_halves import (
    DAY1,
    DAY2,
    REQUEST_TIME,
    RESPONSE_TIME,
    half,
    write,
)

BEFORE_MIDNIGHT = (pd.Timestamp("2026-01-04T23:00:00Z"), pd.Timestamp("2026-01-04T23:59:59.950Z"))


def _scan(root) -> pd.DataFrame:
    chunks = list(scan.scan_window(str(root), "credit", *BEFORE_MIDNIGHT, progress=False))
    return pd.concat(chunks, ignore_index=True)


@pytest.fixture()
def day_after_reads(monkeypatch):
    touched = []
    real = scan.read_batches

    def recording(files, *args, **kwargs):
        touched.extend(f for f in files if f"date={DAY2}" in f)
        return real(files, *args, **kwargs)

    monkeypatch.setattr(scan, "read_batches", recording)
    return touched


def _day_after(root) -> None:
    rows = [
        half("both", f"{DAY2}T0{h}:{m:02d}:00+00:00", f"d2-{h}-{m}", income=1.0, prediction=0.1)
        for h in range(3)
        for m in range(60)
    ]
    write(root, DAY2, "big", [*rows, half("response", RESPONSE_TIME, "split", prediction=0.9)])


def test_a_call_two_replicas_wrote_before_midnight_reads_nothing_of_the_day_after(
    tmp_path, day_after_reads
):
    root = tmp_path / "log"
    write(root, DAY1, "a", [half("request", "2026-01-04T23:30:00+00:00", "pair", income=1.0)])
    write(
        root, DAY1, "b", [half("response", "2026-01-04T23:30:00.1+00:00", "pair", prediction=0.4)]
    )
    _day_after(root)
    out = _scan(root)
    assert reader.served(out).request_id.tolist() == ["pair"]
    assert day_after_reads == []  # before: the day after's file read (its request_id column)


def test_a_held_request_half_no_row_answers_is_still_looked_up(tmp_path, day_after_reads):
    """A request half stored twice (an involved id) whose response half is in the day after."""
    root = tmp_path / "log"
    write(root, DAY1, "a", [half("request", REQUEST_TIME, "split", income=1.0)])
    write(root, DAY1, "b", [half("request", REQUEST_TIME, "split", income=1.0)])
    _day_after(root)
    out = _scan(root)
    assert reader.served(out)[["request_id", "prediction"]].values.tolist() == [["split", 0.9]]
    assert day_after_reads


def test_the_warning_counts_the_lone_request_half_waiting(tmp_path, capsys):
    root = tmp_path / "log"
    write(root, DAY1, "a", [half("request", REQUEST_TIME, "split", income=1.0)])
    broken = root / "model=credit" / f"date={DAY2}" / "revision=v2" / "part-b.parquet"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"not parquet")
    out = _scan(root)
    assert out.request_id.tolist() == ["split"]  # counted unanswered, as the warning says
    err = capsys.readouterr().err
    assert "the day after the window was not looked up" in err
    assert "(1 waiting;" in err  # before: "(0 waiting;"
