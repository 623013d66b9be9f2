"""Batch scoring's id check ran a full garbage collection after every batch (round 49, to free the ids
pandas 2.x leaves in reference cycles: pandas-dev/pandas#47667): a walk of the whole heap each time,
which made the check 2.4x slower at 100,000 rows a batch and 6.4x at 10,000 on 1M ids with
scikit-learn and MLflow imported (review 49 A3). It now collects the youngest generation only,
where those cycles are; tests/unit/test_r49_data_score_id_memory.py keeps the memory they would pile
up bounded."""

from __future__ import annotations

import gc

import pyarrow as pa
import pyarrow.parquet as pq

from ctloop import scoring


def test_the_id_check_never_walks_the_whole_heap(tmp_path):
    ids = pa.array([f"app-{i:06d}" for i in range(2_000)])
    pq.write_table(pa.table({"application_id": ids, "a": [0.0] * 2_000}), tmp_path / "in.parquet")
    source = scoring.open_input(str(tmp_path / "in.parquet"))
    started: list[int] = []

    def seen(phase, info):
        if phase == "start":
            started.append(info["generation"])

    enabled = gc.isenabled()
    gc.disable()  # only the collections the check asks for
    gc.callbacks.append(seen)
    try:
        scoring._check_ids(source, "application_id", 500)
    finally:
        gc.callbacks.remove(seen)
        if enabled:
            gc.enable()
    assert started == [0] * 4  # one young collection a batch; before: [2, 2, 2, 2], the whole heap each time
