"""A sink killed mid-flush leaves no file that readers of the whole log take for data (round 45).

The sink writes each Parquet file to a temporary file, fsyncs it and renames it into place
(``write_durably``). A sink killed between the write and the rename (an OOM kill at the flush,
where its memory peaks; a node lost) left ``part-<uuid>.parquet.tmp`` beside the data, and the
restart's WAL replay wrote those rows again under a new name. ``pyarrow.dataset`` (the reading
recipe docs/inference-log.md gives, with ``dataset_schema``), like Spark, skips only names starting
with ``.`` or ``_`` (pyarrow's ``ignore_prefixes``), so it read the temporary file as Parquet: every
row of the flush twice, or, cut short by the crash, ``Parquet magic bytes not found`` for the
whole model. Now the temporary file is ``.part-<uuid>.parquet.tmp``, hidden from them all.
"""

from __future__ import annotations

import os

import pandas as pd
import pyarrow.dataset as ds
import pytest

from ctloop.inference_log import sink as sink_module
from ctloop.inference_log.reader import read_log
from ctloop.inference_log.sink import write_durably

DAY = "model=credit-default/date=2026-01-04/revision=v1"
ROWS = pd.DataFrame(
    {
        "request_id": ["a", "b"],
        "instance": [0, 0],
        "model": "credit-default",
        "time": "2026-01-04T10:00:00+00:00",
        "income": [1.0, 2.0],
        "prediction": [0.1, 0.2],
        "has_request": True,
        "has_response": True,
    }
)


class Killed(BaseException):
    """The process dying where the rename would have happened."""


@pytest.fixture()
def log(tmp_path):
    root = tmp_path / "log"
    (root / DAY).mkdir(parents=True)
    ROWS.to_parquet(root / DAY / "part-1.parquet")
    return root


def _killed_before_rename(monkeypatch, path, data):
    def die(*_):
        raise Killed

    monkeypatch.setattr(sink_module.os, "replace", die)
    with pytest.raises(Killed):
        write_durably(path, data)
    monkeypatch.setattr(sink_module.os, "replace", os.replace)


@pytest.mark.parametrize("cut", [False, True], ids=["written-whole", "cut-short"])
def test_a_kill_between_write_and_rename_leaves_nothing_pyarrow_dataset_reads(
    log, monkeypatch, cut
):
    data = (log / DAY / "part-1.parquet").read_bytes()
    path = log / DAY / "part-2.parquet"
    _killed_before_rename(monkeypatch, path, data)
    left = [p for p in (log / DAY).iterdir() if p.name != "part-1.parquet"]
    assert len(left) == 1 and not path.exists()
    if cut:
        left[0].write_bytes(data[: len(data) // 2])
    table = ds.dataset(
        str(log / "model=credit-default"), format="parquet", partitioning="hive"
    ).to_table()
    assert sorted(table.column("request_id").to_pylist()) == ["a", "b"]
    start, end = pd.Timestamp("2026-01-04", tz="UTC"), pd.Timestamp("2026-01-05", tz="UTC")
    assert sorted(read_log(str(log), "credit-default", start, end)["request_id"]) == ["a", "b"]


def test_a_completed_write_leaves_only_the_file(log):
    path = log / DAY / "part-2.parquet"
    write_durably(path, (log / DAY / "part-1.parquet").read_bytes())
    assert sorted(p.name for p in (log / DAY).iterdir()) == ["part-1.parquet", "part-2.parquet"]
