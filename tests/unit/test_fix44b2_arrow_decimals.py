"""An Arrow decimal column with gaps (a warehouse's NUMERIC export read with
``pd.read_parquet(dtype_backend="pyarrow")``) trains as the same file read NumPy-backed, where
``storage._decimals_as_floats`` makes the ``Decimal`` objects float64.

Was (round 44): the fit failed with "Length of values (171) does not match length of index (200)":
``pd.to_numeric`` on a ``decimal128[pyarrow]`` column with nulls returns only its non-null values
(pandas 2.3.3), in ``_check_value_sizes``. Now Arrow decimal columns are float64 before the fit."""

from __future__ import annotations

import decimal
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.components.train.core import fit


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    n = 200
    x = np.random.default_rng(1).normal(size=n)
    amounts = [None if i % 7 == 0 else decimal.Decimal(i) / 10 for i in range(n)]
    table = pa.table(
        {
            "x": x,
            "c": pa.array(amounts, pa.decimal128(10, 2)),
            "y": (x > 0).astype(int),
            "amount": pa.array(
                [decimal.Decimal(round(3 * v, 2)).quantize(decimal.Decimal("0.01")) for v in x],
                pa.decimal128(10, 2),
            ),  # a decimal regression target
        }
    )
    out = tmp_path_factory.mktemp("fix44b2-decimals") / "d.parquet"
    pq.write_table(table, out)
    return out


def _fit(frame, target, task, estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(frame, target=target, task=task, estimator=estimator, search_iterations=0).model


@pytest.mark.parametrize(
    ("target", "task", "estimator", "drop"),
    [
        ("y", "classification", "logistic_regression", "amount"),
        ("amount", "regression", "linear_regression", "y"),
    ],
)
def test_an_arrow_decimal_column_with_gaps_trains_as_the_numpy_read(
    path, target, task, estimator, drop
):
    arrow = pd.read_parquet(path, dtype_backend="pyarrow").drop(columns=[drop])
    plain = pd.read_parquet(path).drop(columns=[drop])
    assert str(arrow["c"].dtype) == "decimal128(10, 2)[pyarrow]" and arrow["c"].isna().any()
    before = arrow.copy()
    model = _fit(arrow, target, task, estimator)
    pd.testing.assert_frame_equal(arrow, before)  # the caller's frame is left as it was
    same = _fit(plain, target, task, estimator)
    x = plain.drop(columns=[target]).astype({"c": float})
    if task == "classification":
        np.testing.assert_allclose(model.predict_proba(x), same.predict_proba(x))
    else:
        np.testing.assert_allclose(model.predict(x), same.predict(x))
