"""``ctloop labels report --by revision`` of a log mixing files with a revision (written under
``revision=<r>/``) and files without one (written straight under ``date=<d>/`` by another tool): the
rows without one were NaN, not ``""``, so not made ``unknown``, and the groupby dropped them — the
report left them out without a word. They are now the revision ``unknown``."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.labels.store import ingest_labels


@pytest.mark.parametrize("by", ["revision", "model_version"])
def test_rows_without_a_revision_next_to_rows_with_one_are_revision_unknown(tmp_path, capsys, by):
    day = tmp_path / "log" / "model=m" / "date=2026-02-01"
    (day / "revision=r1").mkdir(parents=True)
    pd.DataFrame({"request_id": ["a", "b"], "prediction_1": [0.9, 0.1], "model_version": ["1", "1"],
                  "revision": ["r1", "r1"], "time": ["2026-02-01T10:00:00Z", "2026-02-01T11:00:00Z"]}
                 ).to_parquet(day / "revision=r1" / "part-0.parquet")
    pd.DataFrame({"request_id": ["c", "d", "e"], "prediction_1": [0.8, 0.3, 0.2],
                  "time": ["2026-02-01T12:00:00Z", "2026-02-01T13:00:00Z", "2026-02-01T14:00:00Z"]}
                 ).to_parquet(day / "other.parquet")
    (tmp_path / "labels.csv").write_text("request_id,label\na,1\nb,0\nc,1\nd,0\ne,1\n")
    ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store"))
    code = main(["labels", "report", "--log-root", str(tmp_path / "log"), "--store", str(tmp_path / "store"),
                 "--model-name", "m", "--start", "2026-02-01T00:00:00Z", "--end", "2026-02-02T00:00:00Z",
                 "--by", by, "--metrics", "accuracy", "--output", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0, out
    table = pd.read_csv(tmp_path / "out" / "realized.csv", dtype={by: str})
    expected = {"revision": "r1", "model_version": "1"}[by]
    assert sorted(table[[by, "rows"]].values.tolist()) == [[expected, 2], ["unknown", 3]]
