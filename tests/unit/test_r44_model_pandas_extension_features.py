"""Features of pandas' ``period`` and ``interval`` dtypes (a Parquet file pandas wrote from them
reads back as them) and of other objects that are neither text nor numbers (``uuid.UUID``).

Was: the fit one-hot encoded them, and saving the model failed after the fit and the gate:
``the model holds types skops does not trust and ctloop does not list: pandas._libs.interval.Interval;
for an estimator of your own (module:Class) ...``, misleading for a built-in estimator. Now a period
is a time (no feature, with the timestamps' note) and the others are refused naming the column."""

from __future__ import annotations

import uuid
import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.artifacts import dumps_skops
from ctloop.components.train.core import fit
from ctloop.errors import DataValidationError
from ctloop.storage import read_table

N = 60


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"x": np.arange(N, dtype=float), "y": [i % 2 for i in range(N)]})


def _fit(frame: pd.DataFrame):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit(frame, target="y", estimator="logistic_regression", search_iterations=0)
    return result, [str(w.message) for w in caught]


def test_a_period_column_read_from_parquet_is_no_feature(tmp_path):
    path = tmp_path / "periods.parquet"
    _frame().assign(month=pd.period_range("2025-01", periods=N, freq="M")).to_parquet(path)
    frame = read_table(str(path))
    assert isinstance(frame["month"].dtype, pd.PeriodDtype)
    result, messages = _fit(frame)
    assert list(result.model.feature_names_in_) == ["x"]
    assert any(
        "column(s) 'month' hold timestamps, dates or times of day: not features" in m
        for m in messages
    )
    dumps_skops(result.model)


@pytest.mark.parametrize("kind", ["interval", "interval-category", "uuid"])
def test_objects_neither_text_nor_numbers_are_refused_naming_the_column(tmp_path, kind):
    if kind == "uuid":
        frame = _frame().assign(f=[uuid.UUID(int=i % 3) for i in range(N)])
        shown = r"UUID \(e\.g\. UUID\('00000000-0000-0000-0000-000000000…\)"
    else:
        path = tmp_path / "intervals.parquet"
        _frame().assign(f=pd.interval_range(0, N)).to_parquet(path)
        frame = read_table(str(path))
        if kind == "interval-category":
            frame["f"] = frame["f"].astype("category")
        shown = r"Interval \(e\.g\. Interval\(0, 1, closed='right'\)\)"
    with pytest.raises(
        DataValidationError,
        match=rf"column 'f' breaks rule 'dtype' in {N} row\(s\): values of type {shown}",
    ):
        _fit(frame)


def test_text_beside_such_objects_is_still_named_as_mixed_types():
    frame = _frame().assign(f=[uuid.UUID(int=1) if i % 2 else "a" for i in range(N)])
    with pytest.raises(
        DataValidationError, match=r"column 'f' breaks rule 'dtype' in 30 row\(s\): mixed types"
    ):
        _fit(frame)
