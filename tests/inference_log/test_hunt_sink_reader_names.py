"""Features named like a column the readers add: ``date`` (the hive partition key every file
sits under: ``pyarrow.dataset`` with ``partitioning="hive"`` and
:func:`~ctloop.inference_log.schema.dataset_schema`, the documented way to read the whole log)
and ``_time`` (``read_log``'s parsed time). Before, a feature ``date`` made that read fail for
good ("Multiple matches for FieldRef.Name(date)": the registry keeps the column), and ``read_log``
replaced a feature ``_time`` with the parsed time. Now they are stored as ``input_<name>``."""

from __future__ import annotations

import asyncio
import json

import pandas as pd
import pyarrow.dataset as ds

from ctloop.inference_log.events import parse_event
from ctloop.inference_log.reader import read_log
from ctloop.inference_log.schema import dataset_schema
from ctloop.inference_log.sink import Sink


def _headers(kind: str) -> dict[str, str]:
    return {"ce-id": "d1", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit",
            "ce-time": "2026-11-22T10:31:02Z"}


def test_features_named_date_and__time_are_read_back(tmp_path):
    root = str(tmp_path / "root")

    async def log() -> None:
        sink = Sink(root, str(tmp_path / "wal"))
        await sink.start()
        features = {"date": "2020-01-01", "_time": 9.0, "income": 1.0}
        await sink.accept(parse_event(_headers("request"), json.dumps({"instances": [features]}).encode()))
        await sink.accept(parse_event(_headers("response"), b'{"predictions": [1]}'))
        await sink.stop()

    asyncio.run(log())
    table = ds.dataset(f"{root}/model=credit", format="parquet", partitioning="hive",
                       schema=dataset_schema(root, "credit")).to_table()
    assert table.column("date").to_pylist() == ["2026-11-22"]
    assert table.column("input_date").to_pylist() == ["2020-01-01"]
    rows = read_log(root, "credit", pd.Timestamp("2026-11-21", tz="UTC"), pd.Timestamp("2026-11-23", tz="UTC"))
    assert rows["input__time"].tolist() == [9.0]
    assert str(rows["_time"].iloc[0]) == "2026-11-22 10:31:02+00:00"
