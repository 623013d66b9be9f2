"""``ctloop labels report --window 7D`` cut the period into windows counted from the Unix epoch
(``Series.dt.floor("7D")``: Thursdays, 1970-01-01 was one): a report of the two weeks from Sunday
2026-02-01 showed three windows, the first starting on Thursday 2026-01-29, before ``--start``,
none of them a window monitoring judged. The report's windows now end where monitoring's do: at
the period's end (``--end``, as a monitoring run's window ends at its ``as_of``), each
``(start, start + window]`` like monitoring's ``(end - window, end]`` (components/monitor/core.py
``bounds``); the ``window`` column is the window's start (the period's start for a first window
cut short by it)."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop import reports
from ctloop.labels.store import ingest_labels

START = pd.Timestamp("2026-02-01T00:00:00Z")  # a Sunday


@pytest.fixture
def roots(tmp_path):
    """Six served, labelled rows a day for 14 days from START, one more at the period's very end."""
    times = [START + pd.Timedelta(days=d, hours=h) for d in range(14) for h in (1, 5, 9, 13, 17, 21)]
    times.append(START + pd.Timedelta(days=14))  # exactly at --end: in the last window, as monitoring's (start, end]
    frame = pd.DataFrame({"request_id": [f"q{i}" for i in range(len(times))], "instance": 0, "model_version": "1",
                          "revision": "m-00001", "has_request": True, "has_response": True,
                          "prediction_1": [0.9 if i % 2 else 0.2 for i in range(len(times))],
                          "time": [t.isoformat() for t in times]})
    for day, part in frame.groupby(pd.to_datetime(frame["time"]).dt.strftime("%Y-%m-%d")):
        d = tmp_path / "log" / "model=m" / f"date={day}" / "revision=m-00001"
        d.mkdir(parents=True)
        part.to_parquet(d / "part-0.parquet", index=False)
    (tmp_path / "labels.csv").write_text("request_id,label\n" + "".join(
        f"q{i},{i % 2}\n" for i in range(len(times))))
    ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store"))
    return tmp_path


def _report(roots, **kw):
    return reports.realized_report(str(roots / "log"), str(roots / "store"), "m", metrics=("accuracy",), **kw)


def test_weekly_windows_start_at_the_period_not_on_epoch_thursdays(roots):
    report = _report(roots, start="2026-02-01T00:00:00Z", end="2026-02-15T00:00:00Z", window="7D")
    table = report.table
    assert table["window"].tolist() == [START, START + pd.Timedelta(days=7)], table
    # (Feb 1, Feb 8] holds days 0..6 (42 rows); (Feb 8, Feb 15] days 7..13 and the row at the end (43)
    assert table["rows"].tolist() == [42, 43], table


def test_windows_end_at_the_end_like_monitoring_runs(roots):
    """Daily windows of a period ending at 06:00 are the windows of a monitoring job run daily at
    06:00 (``window: 1D``): (06:00, 06:00 next day]."""
    report = _report(roots, start="2026-02-03T06:00:00Z", end="2026-02-06T06:00:00Z", window="1D")
    six = pd.Timestamp("2026-02-03T06:00:00Z")
    assert report.table["window"].tolist() == [six + pd.Timedelta(days=d) for d in range(3)]
    # hours 9, 13, 17, 21 of the first day and 1, 5 of the next: six rows each
    assert report.table["rows"].tolist() == [6, 6, 6]


def test_a_period_not_a_multiple_of_the_window_starts_with_the_short_window(roots):
    report = _report(roots, start="2026-02-01T00:00:00Z", end="2026-02-11T00:00:00Z", window="7D")
    # (Feb 4, Feb 11] is a whole window; the rows from Feb 1 to Feb 4 are the window before it, cut at
    # --start (and shown from there: no window of the report starts before its period)
    assert report.table["window"].tolist() == [START, pd.Timestamp("2026-02-04T00:00:00Z")]
    assert report.table["rows"].tolist() == [18, 42]
