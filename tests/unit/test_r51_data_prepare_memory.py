"""``prepare_data``'s core made copies of the table it prepares (round 51).

Round 50 measured ``prepare_data`` peaking at 4.5x the table (``storage.TABLE_WORK_FACTOR``), reading it
at 1.8x; ``benchmarks/bench_prepare_memory.py`` found where: ``contract.validate`` copied the whole
table (``frame.copy()``) and set every column again (each set splitting its block: a copy of the
others), the window's selection, the duplicate drop and the missing-target drop each copied it when
they dropped nothing, the validated table stayed alive beside its time-sorted copy, and the sort made
its tie hashes from a consolidated copy of the columns and copied the sorted table again
(``reset_index``). The same outputs, byte for byte (the benchmark's digests; the component tests'
files), allocating 1.7x the table while preparing it instead of 3.2x (tracemalloc, 10,000 rows; the
outputs, train, holdout and current, are a copy of the window); peak RSS 2.7x the table instead of
4.4x at 200,000 and 1,000,000 rows (``benchmarks/bench_prepare_memory.py``, 88 MiB instead of 146,
439 MiB instead of 702: now the CSV's read is the step's peak).
"""

from __future__ import annotations

import tracemalloc

import pandas as pd

from ctloop.components.prepare import core
from ctloop.config import DataConfig
from ctloop.storage import _table_bytes, read_table
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, credit_contract, make_credit_data


def test_prepare_allocates_about_one_table_over_the_table_and_leaves_it_as_it_was(tmp_path):
    path = tmp_path / "credit.csv"
    make_credit_data(n_rows=10_000, seed=4).to_csv(path, index=False)
    frame = read_table(str(path))
    kept = frame.copy()
    cfg = DataConfig.from_dict(
        {
            "uri": str(path),
            "target": CREDIT_TARGET,
            "time_column": CREDIT_TIME_COLUMN,
            "contract": credit_contract(),
            "window": "365D",
        }
    )
    core.run(frame, cfg)  # its imports and caches first: not the table's copies
    tracemalloc.start()
    try:
        prepared = core.run(frame, cfg)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the outputs (train, holdout, current: the window and its last months) are most of it; before: 3.2x
    assert peak < 2.2 * _table_bytes(frame), peak / _table_bytes(frame)
    # validate's shallow copy wrote nothing into the caller's table
    pd.testing.assert_frame_equal(frame, kept)
    assert len(prepared.train) + len(prepared.holdout) == prepared.profile["rows_used"]


def test_the_time_ordered_table_is_no_copy_of_a_slice_to_its_callers():
    # ctloop backtest sets columns on in_time_order's table: an iloc result (marked a copy of a slice
    # of the caller's frame) warned SettingWithCopyWarning while that frame lived
    import warnings

    frame = pd.DataFrame({"t": pd.to_datetime(["2025-01-02", "2025-01-01"]), "x": [1, 2]})
    ordered = core.in_time_order(frame, "t")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ordered["y"] = 1
    assert (
        ordered["x"].tolist() == [2, 1]
        and list(ordered.index) == [0, 1]
        and frame["x"].tolist() == [1, 2]
    )
