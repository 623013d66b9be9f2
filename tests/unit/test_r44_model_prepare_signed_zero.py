"""Two rows equal but for ``-0.0``/``0.0`` in a float column (equal values: one is a duplicate).

Was: ``drop_duplicates`` kept whichever came first, so the prepared rows' sign, their digest (the
data fingerprint) and the model depended on the source's order of rows. Now ``-0.0`` reads as
``0.0`` in float columns (numpy, nullable Float64, Arrow) before the duplicate check: one digest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.prepare.core import prepare


def _frame(dtype: str, zeros: list[float]) -> pd.DataFrame:
    days = pd.date_range("2025-01-01", periods=40, freq="D")
    base = pd.DataFrame({"t": days, "x": np.arange(40, dtype=float) + 1, "y": np.arange(40) % 2})
    dup = pd.DataFrame({"t": [days[4]] * 2, "x": zeros, "y": [1, 1]})
    out = pd.concat([base, dup], ignore_index=True)
    out["x"] = out["x"].astype(dtype)
    return out


@pytest.mark.parametrize("dtype", ["float64", "float32", "Float64", "double[pyarrow]"])
def test_signed_zero_duplicates_make_one_digest_whatever_the_order(dtype):
    first = prepare(_frame(dtype, [-0.0, 0.0]), target="y", time_column="t")
    second = prepare(_frame(dtype, [0.0, -0.0]), target="y", time_column="t")
    assert first.profile["duplicates_dropped"] == second.profile["duplicates_dropped"] == 1
    assert first.digest == second.digest
    for prepared in (first, second):
        x = prepared.train["x"].to_numpy(dtype=float, na_value=np.nan)
        assert not np.signbit(x[x == 0]).any()
        assert str(prepared.train["x"].dtype) == dtype


def test_a_lone_negative_zero_is_zero():
    prepared = prepare(_frame("float64", [-0.0, 7.5]), target="y", time_column="t")
    assert prepared.profile["duplicates_dropped"] == 0
    assert not np.signbit(prepared.train["x"]).any()
