"""Which Arrow columns ``storage.plain_missing`` turns into objects: only true/false, text, bytes and
dictionary columns (their gaps are ``pd.NA``, which scikit-learn's imputers cannot compare).

Was (round 44): every non-numeric Arrow column with a gap became an object column, so an all-null
Arrow list column passed ``refuse_nested`` (which recognises nested columns by their Arrow type) and
the fit trained it as a feature, and a ``time64[ns]`` column read back as ``datetime.time`` objects,
which hold microseconds: the nanoseconds were lost. Now list/struct/map columns stay Arrow and are
refused by their type in the fit as in ``prepare_data`` and the backtest, and a time keeps its
nanoseconds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.components.train.core import fit
from ctloop.errors import DataValidationError
from ctloop.storage import plain_missing, read_table

N = 80

NESTED = {
    "list_all_null": lambda: pa.array([None] * N, pa.list_(pa.int64())),
    "list_gaps": lambda: pa.array(
        [None if i % 7 == 0 else [i % 3] for i in range(N)], pa.list_(pa.int64())
    ),
    "struct_all_null": lambda: pa.array([None] * N, pa.struct([("a", pa.int64())])),
    "map_all_null": lambda: pa.array([None] * N, pa.map_(pa.string(), pa.int64())),
}


def _frame(tags: pa.Array) -> pd.DataFrame:
    table = pa.table(
        {"x": pa.array(np.arange(N, dtype=float)), "y": [i % 2 for i in range(N)], "tags": tags}
    )
    return table.to_pandas(types_mapper=pd.ArrowDtype)


@pytest.mark.parametrize("kind", sorted(NESTED))
def test_the_fit_refuses_an_arrow_nested_feature_by_its_type_naming_it(kind):
    with pytest.raises(
        DataValidationError, match=r"column 'tags' breaks rule 'dtype'.*nested values \(an Arrow"
    ):
        fit(
            _frame(NESTED[kind]()), target="y", estimator="logistic_regression", search_iterations=0
        )


@pytest.mark.parametrize("kind", sorted(NESTED))
def test_plain_missing_keeps_a_nested_arrow_column_arrow(kind):
    out = plain_missing(_frame(NESTED[kind]()))
    assert isinstance(out["tags"].dtype, pd.ArrowDtype)


def test_a_parquet_time64_column_keeps_its_nanoseconds(tmp_path):
    ns = [None if i % 5 == 0 else 3600 * 10**9 * (i % 24) + 123 for i in range(40)]
    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table({"tod": pa.array(ns, pa.time64("ns")), "x": np.arange(40, dtype=float)}), path
    )
    frame = read_table(str(path))
    assert isinstance(frame["tod"].dtype, pd.ArrowDtype)
    assert pa.types.is_time64(frame["tod"].dtype.pyarrow_dtype)
    back = pa.array(frame["tod"]).cast(pa.int64()).to_pylist()
    assert back == ns  # 123 ns past the hour, not 0 (datetime.time holds microseconds)


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("bool", pa.array([None if i % 7 == 0 else bool(i % 2) for i in range(N)], pa.bool_())),
        ("string", pa.array([None if i % 7 == 0 else "ab"[i % 2] for i in range(N)], pa.string())),
        (
            "large_string",
            pa.array([None if i % 7 == 0 else "ab"[i % 2] for i in range(N)], pa.large_string()),
        ),
        (
            "dictionary_text",
            pa.array([None if i % 7 == 0 else "ab"[i % 2] for i in range(N)]).dictionary_encode(),
        ),
        (
            "dictionary_int",
            pa.array([None if i % 7 == 0 else i % 3 for i in range(N)]).dictionary_encode(),
        ),
        (
            "binary",
            pa.array(
                [None if i % 7 == 0 else b"ab"[i % 2 : i % 2 + 1] for i in range(N)], pa.binary()
            ),
        ),
    ],
)
def test_true_false_text_bytes_and_dictionary_gaps_become_nan(kind, values):
    out = plain_missing(_frame(values))
    assert out["tags"].dtype == object
    assert out["tags"].isna().sum() == (N + 6) // 7
    assert all(isinstance(v, float) and np.isnan(v) for v in out["tags"][out["tags"].isna()])


def test_time32_and_time64_columns_stay_arrow():
    for kind in (pa.time32("s"), pa.time64("us"), pa.time64("ns")):
        values = pa.array([None if i % 7 == 0 else dt.time(i % 24) for i in range(N)], kind)
        assert isinstance(plain_missing(_frame(values))["tags"].dtype, pd.ArrowDtype)
