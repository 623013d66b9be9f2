"""The other day's files are opened once each when a split call's half is looked up (fix 44d2).

Fix 44d made ``reader.rows_of_ids`` check every footer one file at a time (a day may have more
files than the process may open), then open each file again to read it: 2N opens and 2N footer
reads for N files, each one more GET on S3/GCS. Now a file is read in the open its footer was
checked in once one of the footers so far says a half may be there, and a file checked before
that is reopened with the footer it already has (no second footer read).
"""

from __future__ import annotations

import collections

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ctloop.inference_log import reader
from tests.inference_log.test_r43_infolog_midnight_halves import (
    DAY1,
    DAY2,
    REQUEST_TIME,
    RESPONSE_TIME,
    half,
    write,
)

FILES = 20


@pytest.fixture()
def opens(monkeypatch):
    """Counts ``pq.ParquetFile`` opens: ``open`` all, ``footer`` those that read a footer."""
    count = collections.Counter()
    real = pq.ParquetFile.__init__

    def counted(self, source, *args, **kwargs):
        count["open"] += 1
        count["footer"] += kwargs.get("metadata") is None
        return real(self, source, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "__init__", counted)
    return count


def _day_after(root, split_first: bool):
    write(root, DAY1, "a", [half("request", REQUEST_TIME, "split", income=1.0)])
    response = [half("response", RESPONSE_TIME, "split", prediction=0.9)]
    requests = [
        [half("request", "2026-01-05T10:00:00+00:00", f"c{i}", income=1.0)] for i in range(FILES)
    ]
    for i, rows in enumerate([response, *requests] if split_first else [*requests, response]):
        write(root, DAY2, f"f{i:03d}", rows)
    return reader.later_files(f"{root}/model=credit", pd.Timestamp("2026-01-04T23:59:59.950Z"))


def test_each_file_is_opened_once_when_the_first_footer_may_hold_a_response(tmp_path, opens):
    files = _day_after(tmp_path / "log", split_first=True)
    assert len(files) == FILES + 1
    rows = reader.rows_of_ids(files, pd.Series(["split"]), "has_response")
    assert list(rows["request_id"]) == ["split"]
    assert opens["open"] == len(files)  # before: twice as many


def test_a_file_checked_before_a_half_may_be_there_is_reopened_with_its_footer(tmp_path, opens):
    files = _day_after(tmp_path / "log", split_first=False)
    rows = reader.rows_of_ids(files, pd.Series(["split", "c3"]), "has_response")
    assert sorted(rows["request_id"]) == ["c3", "split"]  # in file order, as a read of the files
    assert list(rows["request_id"]) == ["c3", "split"]
    assert opens["footer"] == len(files)  # before: every footer read twice
