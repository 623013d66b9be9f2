"""Round 46: ``ctloop labels report``'s "N labelled rows left out" warning read the labels of the
whole period at once (scorable over every row), while the report's table reads them per model
version and window, as the gate reads one holdout (realized.as_classes): a week labelled
'yes'/'no' and the next 'Yes'/'No' (a label source changed its case) scored both weeks, and the
warning still said the second week's rows were left out. The warning now counts the rows the
table leaves out, group by group."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop import reports
from ctloop.labels.store import ingest_labels

START = pd.Timestamp("2026-02-01T00:00:00Z")


@pytest.fixture
def roots(tmp_path):
    times = [START + pd.Timedelta(days=d, hours=h) for d in range(4) for h in (1, 7, 13, 19)]
    frame = pd.DataFrame({"request_id": [f"q{i}" for i in range(len(times))], "instance": 0, "model_version": "1",
                          "revision": "m-00001", "has_request": True, "has_response": True,
                          "prediction_1": [0.9 if i % 2 else 0.2 for i in range(len(times))],
                          "time": [t.isoformat() for t in times]})
    for day, part in frame.groupby(pd.to_datetime(frame["time"]).dt.strftime("%Y-%m-%d")):
        d = tmp_path / "log" / "model=m" / f"date={day}" / "revision=m-00001"
        d.mkdir(parents=True)
        part.to_parquet(d / "part-0.parquet", index=False)
    # days 0-1: 'no'/'yes' as the model's classes; days 2-3 'No'/'Yes'; the last row 'maybe'
    words = [("yes" if i % 2 else "no") if i < 8 else ("Yes" if i % 2 else "No") for i in range(len(times))]
    words[-1] = "maybe"
    (tmp_path / "labels.csv").write_text("request_id,label\n" + "".join(f"q{i},{w}\n" for i, w in enumerate(words)))
    ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store"))
    return tmp_path


def _report(roots, **kw):
    return reports.realized_report(str(roots / "log"), str(roots / "store"), "m", metrics=("accuracy",),
                                   start="2026-02-01T00:00:00Z", end="2026-02-05T00:00:00Z",
                                   classes=("no", "yes"), **kw)


def test_the_left_out_warning_counts_the_rows_the_windows_leave_out(roots):
    report = _report(roots, window="2D")
    assert report.table["rows"].tolist() == [8, 8], report.table  # the second window reads 'Yes'/'No'
    # round 59: 'maybe' is scored as an error at its share, as the backtest scores it (was left out), and said
    assert [w for w in report.warnings if "left out" in w] == []
    assert [w for w in report.warnings if "never saw" in w] == [
        "1 labelled rows are labels of a class the model never saw (e.g. 'maybe'): scored as errors at their share "
        "(ctloop.metrics.at_share)"]


def test_without_windows_the_whole_period_is_one_group(roots):
    report = _report(roots)
    # 'Yes'/'No' beside 'yes'/'no': the classes (round 59's review H2; round 59 scored the 8 rows as errors,
    # before they were left out); 'maybe' an error at its share
    assert report.table["rows"].tolist() == [16], report.table
    assert [w for w in report.warnings if "never saw" in w] == [
        "1 labelled rows are labels of a class the model never saw (e.g. 'maybe'): scored as errors at their share "
        "(ctloop.metrics.at_share)"]
