"""Parquet ``date32``/``date64``/``time64`` and Arrow ``duration`` columns as features.

Was: pandas reads a date or time column as objects of ``datetime.date``/``datetime.time``, which the
fit one-hot encoded (every later date a category never seen), and saving the model then failed after
the fit and the gate: ``the model holds types skops does not trust and ctloop does not list:
datetime.date; for an estimator of your own ...``. Read with ``dtype_backend="pyarrow"``, the same
columns were encoded too, and a ``duration`` column failed the fit with scikit-learn's "SimpleImputer
does not support data with dtype timedelta64[s]". Now a date or time column is no feature, like a
timestamp (with the same note), and an Arrow duration is refused naming the column, as a numpy one."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.artifacts import dumps_skops
from ctloop.components.train.core import fit
from ctloop.errors import DataValidationError
from ctloop.storage import read_table

N = 60


@pytest.fixture(scope="module")
def parquet(tmp_path_factory):
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(N)]
    path = tmp_path_factory.mktemp("r44-model-times") / "table.parquet"
    pq.write_table(
        pa.table(
            {
                "d32": pa.array(days, pa.date32()),
                "d64": pa.array(days, pa.date64()),
                "tod": pa.array([dt.time(i % 24, 30) for i in range(N)], pa.time64("us")),
                "dur": pa.array([dt.timedelta(seconds=i) for i in range(N)], pa.duration("s")),
                "x": pa.array(np.arange(N, dtype=float)),
                "y": pa.array([i % 2 for i in range(N)]),
            }
        ),
        path,
    )
    return path


def _fit(frame: pd.DataFrame):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit(frame, target="y", estimator="logistic_regression", search_iterations=0)
    return result, [str(w.message) for w in caught]


@pytest.mark.parametrize("backend", ["numpy", "pyarrow"])
@pytest.mark.parametrize("column", ["d32", "d64", "tod"])
def test_a_date_or_time_column_is_no_feature_and_the_model_saves(parquet, backend, column):
    frame = (
        read_table(str(parquet))
        if backend == "numpy"
        else pd.read_parquet(parquet, dtype_backend="pyarrow")
    )
    result, messages = _fit(frame[[column, "x", "y"]])
    assert list(result.model.feature_names_in_) == ["x"]
    assert any(
        f"column(s) {column!r} hold timestamps, dates or times of day: not features" in m
        for m in messages
    )
    dumps_skops(result.model)  # no "types skops does not trust: datetime.date"


def test_an_arrow_duration_is_refused_naming_the_column(parquet):
    frame = pd.read_parquet(parquet, dtype_backend="pyarrow")[["dur", "x", "y"]]
    with pytest.raises(
        DataValidationError, match=r"column 'dur' breaks rule 'dtype' in 60 row\(s\): a duration"
    ):
        _fit(frame)
