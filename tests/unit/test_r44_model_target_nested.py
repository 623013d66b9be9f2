"""A target column of lists or dicts (a Parquet list/struct column, a frame of one's own).

Was: ``TypeError: unhashable type: 'list'`` from pandas' duplicate check (``prepare_data``) or
``pd.unique`` (the fit), a traceback naming no column. Now one DataValidationError line naming the
column, a value and the rows (exit 2), from prepare, the fit and the gate."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.prepare.core import prepare
from ctloop.components.train.core import fit
from ctloop.errors import DataValidationError
from ctloop.storage import read_table

DAYS = pd.date_range("2025-01-01", periods=40, freq="D")
TARGETS = {
    "list": ([[1, 2]] * 39 + [None], r"nested values \(list; e\.g\. \[1, 2\]\)", 39),
    "dict": ([{"a": 1}] * 40, r"nested values \(dict; e\.g\. \{'a': 1\}\)", 40),
    "some-rows": ([0, 1] * 19 + [[1], [0]], r"nested values \(list; e\.g\. \[1\]\)", 2),
}


def _message(rows: int, shown: str) -> str:
    return rf"^data contract violated \(1 rule\(s\)\): column 'y' breaks rule 'dtype' in {rows} row\(s\): {shown}"


@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_prepare_and_fit_name_the_target(kind):
    values, shown, rows = TARGETS[kind]
    frame = pd.DataFrame({"t": DAYS, "x": np.arange(40.0), "y": values})
    with pytest.raises(DataValidationError, match=_message(rows, shown)):
        prepare(frame, target="y", time_column="t")
    with pytest.raises(DataValidationError, match=_message(rows, shown)):
        fit(
            frame.drop(columns="t"),
            target="y",
            estimator="logistic_regression",
            search_iterations=0,
        )


def test_a_parquet_list_target_read_as_pandas_and_as_arrow(tmp_path):
    path = tmp_path / "labels.parquet"
    pq.write_table(
        pa.table(
            {
                "t": pa.array(DAYS),
                "x": pa.array(np.arange(40.0)),
                "y": pa.array([[i % 2, 1] for i in range(40)], pa.list_(pa.int64())),
            }
        ),
        path,
    )
    frame = read_table(str(path))  # numpy arrays in an object column
    with pytest.raises(
        DataValidationError, match=_message(40, r"nested values \(ndarray; e\.g\. \[0, 1\]\)")
    ):
        prepare(frame, target="y", time_column="t")
    arrow = pd.read_parquet(path, dtype_backend="pyarrow")
    with pytest.raises(
        DataValidationError,
        match=_message(40, r"nested values \(an Arrow list<element: int64> column\)"),
    ):
        prepare(arrow, target="y", time_column="t")


def test_the_gate_names_a_holdout_target_of_lists():
    frame = pd.DataFrame({"x": np.arange(40.0), "y": [0, 1] * 20})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = fit(frame, target="y", estimator="logistic_regression", search_iterations=0).model
    holdout = frame.assign(y=[[v] for v in frame.y])
    with pytest.raises(
        DataValidationError, match=_message(40, r"nested values \(list; e\.g\. \[0\]\)")
    ):
        evaluate.gate(
            model,
            holdout,
            target="y",
            task="classification",
            thresholds={"roc_auc": 0.5},
            bootstrap_rounds=20,
        )
