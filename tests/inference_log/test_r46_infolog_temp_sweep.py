"""Temporary files a crash left in the log are swept when the sink starts (round 46).

The sink writes every file of the log (Parquet parts, quarantine files, the type registry) to a
temporary file and renames it into place (``write_durably``). A sink killed between the two left
the temporary file behind, and nothing ever removed it: before round 45 it was
``part-<uuid>.parquet.tmp``, which ``pyarrow.dataset`` and Spark read as data (the flush's rows
twice, once the restart's WAL replay wrote them again, or ``Parquet magic bytes not found`` for
the whole model: docs told the operator to delete them by hand); since, ``.part-<uuid>.parquet.tmp``,
hidden but taking disk, one per crash mid-flush. Now ``Sink.start`` removes those older than
``TEMP_GRACE_SECONDS``: never a file another replica sharing the volume is writing right now
(fresh), never a file outside the log's own directories.
"""

from __future__ import annotations

import asyncio
import os
import time

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from ctloop.inference_log.sink import Sink

GRACE = 3600  # defaults.TEMP_GRACE_SECONDS

DAY = "model=credit/date=2026-01-04/revision=v1"
ROWS = pd.DataFrame(
    {
        "request_id": ["a", "b"],
        "instance": [0, 0],
        "time": "2026-01-04T10:00:00+00:00",
        "income": [1.0, 2.0],
        "prediction": [0.1, 0.2],
        "has_request": True,
        "has_response": True,
    }
)


def _aged(path, seconds: float, data: bytes = b"") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    old = time.time() - seconds
    os.utime(path, (old, old))


def _tree(root):
    (root / DAY).mkdir(parents=True)
    ROWS.to_parquet(root / DAY / "part-1.parquet")
    whole = (root / DAY / "part-1.parquet").read_bytes()
    stale = GRACE + 60
    _aged(root / DAY / ".part-2.parquet.tmp", stale, whole)  # round 45's name, a crash an hour+ ago
    _aged(root / DAY / "part-3.parquet.tmp", stale, whole[:100])  # before round 45: read as data
    _aged(root / "_quarantine/date=2026-01-04/.part-4.jsonl.tmp", stale)
    _aged(root / "_schema/.model=credit.json.tmp", stale)
    _aged(root / DAY / ".part-5.parquet.tmp", 5, whole)  # another replica writing it right now
    _aged(root / "notes/.draft.tmp", stale)  # another tool's, beside the log: not the log's
    _aged(root / "model=credit/_schema/part-6.tmp", stale)  # not a name the sink ever wrote


def test_a_start_sweeps_stale_temp_files_only(tmp_path):
    root = tmp_path / "log"
    _tree(root)
    model = str(root / "model=credit")
    with pytest.raises(
        pa.ArrowInvalid, match="magic bytes"
    ):  # the leftover of before round 45, cut short
        ds.dataset(model, format="parquet", partitioning="hive").to_table()

    async def start_stop():
        sink = Sink(str(root), str(tmp_path / "wal"))
        await sink.start()
        await sink.stop()

    asyncio.run(start_stop())
    left = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert left == [
        "model=credit/_schema/part-6.tmp",
        f"{DAY}/.part-5.parquet.tmp",
        f"{DAY}/part-1.parquet",
        "notes/.draft.tmp",
    ]
    table = ds.dataset(model, format="parquet", partitioning="hive").to_table()
    assert sorted(table.column("request_id").to_pylist()) == ["a", "b"]


def test_the_sweep_says_what_it_removed_and_leaves_a_remote_root_alone(tmp_path):
    from ctloop.inference_log.defaults import TEMP_GRACE_SECONDS
    from ctloop.inference_log.sink import sweep_temp_files

    assert TEMP_GRACE_SECONDS == GRACE
    root = tmp_path / "log"
    _tree(root)
    removed = sweep_temp_files(str(root), GRACE)
    assert sorted(os.path.basename(p) for p in removed) == [
        ".model=credit.json.tmp",
        ".part-2.parquet.tmp",
        ".part-4.jsonl.tmp",
        "part-3.parquet.tmp",
    ]
    assert sweep_temp_files(str(root), GRACE) == []
    assert sweep_temp_files("gs://bucket/log", GRACE) == []  # object stores write whole objects


def test_an_unremovable_file_never_stops_the_start(tmp_path, monkeypatch, caplog):
    from ctloop.inference_log.sink import sweep_temp_files

    root = tmp_path / "log"
    _tree(root)
    real = os.unlink

    def refuse(path, *args, **kwargs):
        if str(path).endswith(".part-2.parquet.tmp"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refuse)
    removed = sweep_temp_files(str(root), GRACE)
    assert len(removed) == 3 and (root / DAY / ".part-2.parquet.tmp").exists()
    assert "cannot remove" in caplog.text and ".part-2.parquet.tmp" in caplog.text
