"""``ctloop labels report --score-column NAME`` where the inference log has no column NAME printed
"no labelled predictions" with a warning and exited 0, as if no labels had arrived: a typo looked
like an empty period. It is now one line naming the column and the log's score columns (exit 2),
and --output is not written; so is a default score column (prediction_1) the log lacks."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.labels.store import ingest_labels

T0 = pd.Timestamp("2026-02-01T10:00:00Z")


@pytest.fixture
def roots(tmp_path):
    d = tmp_path / "log" / "model=m" / f"date={T0:%Y-%m-%d}" / "revision=m-00001"
    d.mkdir(parents=True)
    pd.DataFrame({"request_id": [f"q{i}" for i in range(6)], "instance": 0, "model_version": "1",
                  "revision": "m-00001", "has_request": True, "has_response": True,
                  "prediction_0": [0.1, 0.8, 0.3, 0.6, 0.2, 0.9], "prediction_1": [0.9, 0.2, 0.7, 0.4, 0.8, 0.1],
                  "time": [(T0 + pd.Timedelta(seconds=i)).isoformat() for i in range(6)]}
                 ).to_parquet(d / "part-0.parquet", index=False)
    (tmp_path / "labels.csv").write_text("request_id,label\n" + "".join(f"q{i},{i % 2}\n" for i in range(6)))
    ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store"))
    return tmp_path


def _report(roots, *extra):
    return main(["labels", "report", "--log-root", str(roots / "log"), "--store", str(roots / "store"),
                 "--model-name", "m", "--start", "2026-02-01T00:00:00Z", "--end", "2026-02-02T00:00:00Z", *extra])


def test_an_absent_score_column_is_one_line_naming_it_and_the_present_ones(roots, capsys):
    code = _report(roots, "--score-column", "prediction_one", "--output", str(roots / "out"))
    out, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1, (out, err)
    assert "--score-column 'prediction_one'" in err and "its score column: prediction_1: pass it" in err, err
    assert "not offered: prediction_0 (the first class's probability" in err, err  # round 52: never class 0's
    assert not (roots / "out").exists()


def test_a_present_score_column_is_reported(roots, capsys):
    assert _report(roots, "--score-column", "prediction_0") == 0
    assert "roc_auc" in capsys.readouterr().out
