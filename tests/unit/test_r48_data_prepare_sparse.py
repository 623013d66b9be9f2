"""``prepare_data`` on a notebook's frame with sparse columns (pandas ``Sparse[...]``, what
``pd.get_dummies(sparse=True)`` writes): they are read as the dense columns they stand for, as the
same table reads from Parquet or CSV. Before round 48 the profile failed with pandas' "TypeError:
cannot perform std with type Sparse[float64, nan]", naming no column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.components.prepare.core import prepare


def _frame(rows: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"time": pd.date_range("2024-01-01", periods=rows, freq="h"),
                          "amount": rng.normal(size=rows), "y": [0, 1] * (rows // 2)})
    dummies = pd.get_dummies(pd.Series(["a", "b", "c"] * (rows // 3), name="region"), prefix="region", sparse=True)
    frame["rare"] = pd.arrays.SparseArray(np.r_[np.zeros(rows - 1), 1.0])
    return pd.concat([frame, dummies], axis=1)


def test_sparse_columns_are_prepared_as_their_dense_values():
    frame = _frame()
    assert isinstance(frame["region_a"].dtype, pd.SparseDtype)
    prepared = prepare(frame, target="y", time_column="time")
    dense = frame.assign(
        **{c: frame[c].sparse.to_dense() for c in ("rare", "region_a", "region_b", "region_c")})
    expected = prepare(dense, target="y", time_column="time")
    pd.testing.assert_frame_equal(prepared.train, expected.train)
    assert prepared.digest == expected.digest
    assert not any(isinstance(t, pd.SparseDtype) for t in prepared.train.dtypes)
    assert isinstance(frame["rare"].dtype, pd.SparseDtype)  # the caller's frame as it was
