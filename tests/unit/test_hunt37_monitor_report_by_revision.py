"""``ctloop labels report --by revision`` of a log whose files carry no revision (rows another tool
wrote straight under ``model=<m>/date=<d>/``, which ``read_log`` reads: no ``revision=``
directory, no column) ended in a ``KeyError: 'revision'`` traceback (exit 1). Those rows are now
the revision ``unknown``, as rows without a model version are the version ``unknown``."""

from __future__ import annotations

import pandas as pd

from ctloop.cli import main
from ctloop.labels.store import ingest_labels


def test_rows_without_a_revision_are_reported_as_revision_unknown(tmp_path, capsys):
    day = tmp_path / "log" / "model=m" / "date=2026-02-01"
    day.mkdir(parents=True)
    pd.DataFrame({"request_id": ["a", "b", "c", "d"], "prediction_1": [0.9, 0.1, 0.8, 0.3],
                  "time": [f"2026-02-01T1{h}:00:00Z" for h in range(4)]}).to_parquet(day / "part-0.parquet")
    (tmp_path / "labels.csv").write_text("request_id,label\na,1\nb,0\nc,1\nd,0\n")
    ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store"))
    code = main(["labels", "report", "--log-root", str(tmp_path / "log"), "--store", str(tmp_path / "store"),
                 "--model-name", "m", "--start", "2026-02-01T00:00:00Z", "--end", "2026-02-02T00:00:00Z",
                 "--by", "revision", "--metrics", "accuracy", "--output", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0, out
    table = pd.read_csv(tmp_path / "out" / "realized.csv")
    assert table[["revision", "rows", "accuracy"]].values.tolist() == [["unknown", 4, 1.0]]
