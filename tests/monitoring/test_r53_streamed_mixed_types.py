"""Log files of one window that disagree on a column's type (an id written as a number by another
tool, the time as a timestamp, ``has_response`` as text): ``read_log`` (the in-memory window)
reads them, ``pd.concat`` holding each file's values in an object column, while the streamed
window (``monitor_model``'s path, one Arrow schema unified over the files' footers) refused them
("inference log files of one window disagree on the type of column 'request_id': … holds int64,
… string"). Now such a column is read with each file's own type (``scan.PER_FILE``), and both
paths join the same rows to the same labels, also when partitions save and load their states
(a column of several Python types has no Parquet type: ``window._write_rows``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.cli import main
from ctloop.inference_log import scan
from tests.monitoring.test_hunt_labels_window import END, _judged

P = np.linspace(0.05, 0.95, 40)


def _log(root: Path, column: str, first, twice: bool = False) -> None:
    """40 calls in two files; the first file's ``column`` made ``first(values)``; ``twice``: each
    file's first two rows delivered twice (held rows, merged after the partitions)."""
    day = root / "model=m" / "date=2026-01-05" / "revision=r1"
    day.mkdir(parents=True)
    for k, part in enumerate(np.array_split(np.arange(40), 2)):
        part = np.r_[part, part[:2]] if twice else part
        frame = pd.DataFrame(
            {
                "request_id": [str(i + 1) for i in part],
                "instance": 0,
                "model": "m",
                "revision": "r1",
                "model_version": "1",
                "has_request": True,
                "has_response": True,
                "time": [
                    (END - pd.Timedelta(minutes=30) + pd.Timedelta(seconds=int(i))).isoformat()
                    for i in part
                ],
                "meta_x_loan_id": [f"{i + 1}" for i in part],
                "prediction_0": 1 - P[part],
                "prediction_1": P[part],
            }
        )
        if k == 0:
            frame[column] = first(frame[column])
        frame.to_parquet(day / f"part-{k}.parquet")


def _ingest(tmp_path: Path, key: str = "request_id") -> None:
    (tmp_path / "labels.csv").write_text(
        f"{key},label\n" + "".join(f"{i},{i % 2}\n" for i in range(1, 41))
    )
    assert (
        main(
            [
                "labels",
                "ingest",
                "--labels",
                str(tmp_path / "labels.csv"),
                "--store",
                str(tmp_path / "store"),
                "--key",
                key,
            ]
        )
        == 0
    )


MIXED = {
    "request_id": lambda v: v.astype("int64"),  # an id another tool wrote as a number
    # a timestamp column, the sink's ISO text in the other
    "time": lambda v: pd.to_datetime(v, utc=True),
    "has_response": lambda v: v.map(str).str.lower(),  # "true" as text
    "revision": lambda v: pd.Series(pd.Categorical([7] * len(v))),  # a dictionary column of numbers
}


@pytest.mark.parametrize("column", sorted(MIXED))
def test_files_disagreeing_on_a_column_type_join_alike_in_both_paths(tmp_path, capsys, column):
    _log(tmp_path / "logs", column, MIXED[column])
    _ingest(tmp_path)
    # was: InferenceLogError "... disagree on the type of column ..."
    frame, streamed = _judged(tmp_path, 2)
    assert frame.tags["label_join"] == "40 labelled rows (key request_id)"
    assert streamed.tags["label_join"] == frame.tags["label_join"]
    assert streamed.record["realized_rows"] == frame.record["realized_rows"] == 40
    assert streamed.record["realized"] == frame.record["realized"]
    assert streamed.series == frame.series  # per version and per revision: the same groups


def test_a_business_key_written_as_numbers_in_one_file_joins_alike(tmp_path, capsys):
    _log(tmp_path / "logs", "meta_x_loan_id", lambda v: v.astype("int64"))
    _ingest(tmp_path, "meta_x_loan_id")
    frame, streamed = _judged(tmp_path, 2)
    assert frame.tags["label_join"] == "40 labelled rows (key meta_x_loan_id)"
    assert (streamed.tags["label_join"], streamed.record["realized"]) == (
        frame.tags["label_join"],
        frame.record["realized"],
    )


def test_held_rows_of_both_types_survive_a_partition_save(tmp_path, capsys):
    """Rows delivered twice in each file are held aside and saved with the partition: request ids
    1 (int) and '21' (text) in one held frame could not be written to Parquet (ArrowInvalid
    traceback in the partition task)."""
    _log(tmp_path / "logs", "request_id", MIXED["request_id"], twice=True)
    _ingest(tmp_path)
    frame, streamed = _judged(tmp_path, 2)
    assert (streamed.tags["label_join"], streamed.record["realized"]) == (
        frame.tags["label_join"],
        frame.record["realized"],
    )
    assert frame.record["realized_rows"] == 40


def test_only_the_disagreeing_column_is_read_with_each_files_type(tmp_path):
    """Files 0 (x all null: Arrow type null), a (int32), b (float32), c (string): x is read with each
    file's type, y (int64, double) widens to double as before. (Before round 53 this was refused,
    the error naming a and c: tests r52_rev2_disagreeing_types, r52_streamed_meta_types.)"""
    for name, values in (
        ("0", pa.nulls(2)),
        ("a", pa.array([1, 2], pa.int32())),
        ("b", pa.array([0.5, 1.5], pa.float32())),
        ("c", pa.array(["L1", "L2"])),
    ):
        pq.write_table(
            pa.table(
                {"x": values, "y": pa.array([1, 2], pa.int64() if name == "a" else pa.float64())}
            ),
            tmp_path / f"{name}.parquet",
        )
    files = [str(tmp_path / f"{n}.parquet") for n in "0abc"]
    schema = scan.unified_schema(files)
    assert scan.per_file(schema.field("x")) and not scan.per_file(schema.field("y"))
    assert schema.field("y").type == pa.float64()  # int64 and double widen as before
    read = pd.concat(
        [t.to_pandas() for t in scan.read_batches(files, schema, ["x", "y"])], ignore_index=True
    )
    # what read_log concatenates
    expected = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    assert read["x"].tolist()[2:] == expected["x"].tolist()[2:] == [1, 2, 0.5, 1.5, "L1", "L2"]
    assert read["x"][:2].isna().all() and expected["x"][:2].isna().all()
