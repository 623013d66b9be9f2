"""Looking up a split call's other half opens the other day's files one at a time (fix 44d).

Round 44 kept every file of the day before (``reader.rows_of_ids``, ``scan._Lookback.possible``)
and of the day after (``_Lookback.ahead``) open at once to check their footers. A day with more
files than the process may open (sink replicas flushing small files) failed with "Too many open
files", the lookup was skipped with a line on stderr and the call split at midnight counted twice
(``read_log``) or unanswered (both readers): the round-43 double count back. Now each footer is
checked and its file closed before the next is opened.
"""

from __future__ import annotations

import os
import resource

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

FILES = 40  # of the other day; the process may open only 20 more than it has open


@pytest.fixture()
def few_fds():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) + 20, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _read(root, start: str, end: str, how: str) -> pd.DataFrame:
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if how == "read_log":
        return reader.read_log(str(root), "credit", start, end)
    chunks = list(scan.scan_window(str(root), "credit", start, end, progress=False))
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()


@pytest.mark.parametrize("how", ["read_log", "scan"])
def test_a_day_before_with_many_files_is_looked_up(tmp_path, how, few_fds, capsys):
    root = tmp_path / "log"
    for i in range(FILES):
        write(
            root,
            DAY1,
            f"f{i:03d}",
            [half("both", "2026-01-04T10:00:00+00:00", f"c{i}", income=1.0, prediction=0.1)],
        )
    write(root, DAY1, "zz", [half("request", REQUEST_TIME, "split", income=1.0)])
    write(root, DAY2, "b", [half("response", RESPONSE_TIME, "split", prediction=0.9)])
    out = _read(root, "2026-01-05T00:00:00Z", "2026-01-05T01:00:00Z", how)
    assert len(out) == 0  # "split" counts in its request's window, not again here
    assert "not looked up" not in capsys.readouterr().err


@pytest.mark.parametrize("how", ["read_log", "scan"])
def test_a_day_after_with_many_files_is_looked_up(tmp_path, how, few_fds, capsys):
    root = tmp_path / "log"
    for i in range(FILES):
        write(
            root,
            DAY2,
            f"f{i:03d}",
            [half("both", "2026-01-05T10:00:00+00:00", f"c{i}", income=1.0, prediction=0.1)],
        )
    write(root, DAY1, "a", [half("request", REQUEST_TIME, "split", income=1.0)])
    write(root, DAY2, "zz", [half("response", RESPONSE_TIME, "split", prediction=0.9)])
    out = _read(root, "2026-01-04T23:00:00Z", "2026-01-04T23:59:59.950Z", how)
    assert len(reader.served(out)) == 1  # "split" answered, in its request's window
    assert "not looked up" not in capsys.readouterr().err
