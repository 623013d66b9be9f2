"""Loading the drift state of an object column of plain numbers (exact counts) rebuilt its
shadow sketch from ``pd.Series(values).repeat(counts)``: memory and time grew with the rows the
counts stand for on every load (1M rows 0.44 s and 163 MiB, 20M rows 8 s and 1 GiB, for 50
distinct values). Now the shadow is built from the (value, count) pairs
(:meth:`NumericSketch.add_counts`), in memory of the distinct values, and holds what adding
every row would."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import streaming
from ctloop.drift.sketch import NumericSketch


def _object_numbers(rows_per_value: int, distinct: int = 50) -> dict:
    chunk = pd.Series([int(v) for v in range(distinct)] * 2, dtype=object).to_frame("d")
    data = json.loads(json.dumps(streaming.DriftState().update(chunk).to_dict()))
    col = data["columns"][0]
    col["categories"]["counts"] = [rows_per_value] * len(col["categories"]["counts"])
    col["rows"] = data["rows"] = rows_per_value * distinct
    return data


def test_loading_an_object_number_column_does_not_grow_with_its_rows():
    data = _object_numbers(20_000)  # 1,000,000 rows
    tracemalloc.start()
    try:
        state = streaming.DriftState.from_dict(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    shadow = state.columns["d"].shadow
    assert shadow is not None and shadow.n == 1_000_000 and shadow.exact
    assert peak < 4 * 2**20  # one row's object alone took 8 bytes: 1M rows were > 100 MiB


@pytest.mark.parametrize("budget", [64, 4096], ids=["coarsened", "exact"])
def test_add_counts_holds_what_adding_every_row_holds(budget):
    rng = np.random.default_rng(3)
    values = np.r_[rng.normal(size=300), -0.0, 0.0, 1e300, -1e-300]
    counts = rng.integers(0, 40, len(values))
    by_rows, by_counts = NumericSketch(budget), NumericSketch(budget)
    by_rows.add(np.repeat(values, counts))
    by_counts.add_counts(values, counts)
    assert by_rows.m == by_counts.m and by_rows.n == by_counts.n
    for a, b in ((by_rows.keys, by_counts.keys), (by_rows.counts, by_counts.counts),
                 (by_rows.mins, by_counts.mins), (by_rows.maxs, by_counts.maxs)):  # fmt: skip
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(by_rows.sums, by_counts.sums, rtol=1e-12, atol=1e-12)
    assert by_counts.mean == pytest.approx(by_rows.mean, rel=1e-12)
    assert by_counts.m2 == pytest.approx(by_rows.m2, rel=1e-12)


def test_a_loaded_shadow_is_the_one_the_rows_built():
    frame = pd.Series([int(v) % 37 - 5 for v in range(3000)], dtype=object).to_frame("d")
    built = streaming.DriftState().update(frame)
    loaded = streaming.DriftState.from_dict(json.loads(json.dumps(built.to_dict())))
    a, b = built.columns["d"].shadow, loaded.columns["d"].shadow
    np.testing.assert_array_equal(a.mins, b.mins)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert (a.n, a.mean) == (b.n, pytest.approx(b.mean)) and a.m2 == pytest.approx(b.m2)
