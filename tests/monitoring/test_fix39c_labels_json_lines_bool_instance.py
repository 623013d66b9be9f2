"""A JSON lines label file's ``"instance": true`` was stored as instance 1 (``true``/``false`` became
1/0 in every field but the key), while the same value in a CSV (``True``) or a Parquet bool column
is refused as no instance index. Only the label's ``true``/``false`` are 1 and 0 now; an instance
``true`` is refused as CSV and Parquet refuse it."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import DataValidationError
from ctloop.labels.store import ingest_labels, read_labels


def _write(tmp_path, fmt: str, instances: list) -> str:
    frame = pd.DataFrame({"request_id": ["a", "b"], "instance": instances, "label": [1, 0]})
    path = tmp_path / f"labels.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "parquet":
        frame.to_parquet(path)
    else:
        frame.to_json(path, orient="records", lines=True)
    return str(path)


@pytest.mark.parametrize("instances", [[True, False], [True, 0]])
@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_a_true_instance_is_refused_in_every_format(tmp_path, fmt, instances):
    if fmt == "parquet" and instances == [True, 0]:
        instances = [True, False]  # a Parquet column has one type
    with pytest.raises(DataValidationError, match=r"instance must be the 0-based index .*\(e\.g\. 'True'\)"):
        ingest_labels(_write(tmp_path, fmt, instances), str(tmp_path / "store"))


@pytest.mark.parametrize("batch_rows", [1, 50_000])
def test_a_true_label_is_still_one(tmp_path, batch_rows):
    (tmp_path / "l.jsonl").write_text('{"request_id": "a", "instance": 0, "label": true}\n'
                                      '{"request_id": "b", "instance": 2, "label": false}\n')
    ingest_labels(str(tmp_path / "l.jsonl"), str(tmp_path / "s"), batch_rows=batch_rows)
    got = read_labels(str(tmp_path / "s"))
    assert got[["request_id", "instance", "label"]].values.tolist() == [["a", 0, 1.0], ["b", 2, 0.0]]
