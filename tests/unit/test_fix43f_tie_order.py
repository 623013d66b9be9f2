"""The tie order (rows sharing an event time, ``prepare core in_time_order``) depends on the rows'
values only: not on the unit pandas stores a time in (Parquet written by Spark or BigQuery holds
microseconds, pandas 3 reads CSV times as microseconds, pandas 2 nanoseconds), nor on whether a time
or duration column is numpy or Arrow-backed (``read_parquet(dtype_backend="pyarrow")``), also when a
time is beyond 2262 (a ``9999-12-31`` ``valid_to``; was: as stored, so s, ms and us sources gave
three orders; every time is now hashed as seconds plus nanoseconds, test_fix43f3_time_hash.py). An Arrow list, struct or map column is refused
by its type, naming it, not with a raw TypeError or ArrowNotImplementedError (was: an all-null one
passed the check and failed in the duplicate-row check)."""

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.components.prepare.core import in_time_order, prepare
from ctloop.errors import DataValidationError


def _tied(unit):
    frame = pd.DataFrame(
        {
            "ts": pd.to_datetime(["2024-01-01"] * 12 + ["2024-01-02"] * 12).as_unit(unit),
            "amount": [float(i % 5) for i in range(24)],
            "region": [f"r{i}" for i in range(24)],
            "opened": pd.to_datetime(
                [f"2023-{1 + i % 12:02d}-{1 + i:02d}" for i in range(24)]
            ).as_unit(unit),
            "seen": pd.to_datetime([f"2023-06-{1 + i:02d} 10:00" for i in range(24)])
            .tz_localize("UTC")
            .as_unit(unit),
            "label": [i % 2 for i in range(24)],
        }
    )
    return frame


def test_the_same_rows_in_nanoseconds_and_microseconds_order_the_same():
    ns, us = _tied("ns"), _tied("us")
    assert (
        str(us["ts"].dtype) == "datetime64[us]" and str(us["seen"].dtype) == "datetime64[us, UTC]"
    )
    assert list(in_time_order(us, "ts")["region"]) == list(in_time_order(ns, "ts")["region"])


def test_prepare_splits_them_the_same():
    one = prepare(_tied("ns"), target="label", time_column="ts", holdout_fraction=0.4)
    other = prepare(_tied("us"), target="label", time_column="ts", holdout_fraction=0.4)
    assert list(other.train["region"]) == list(one.train["region"])
    assert list(other.holdout["region"]) == list(one.holdout["region"])


def _parquet(table: pa.Table, **read) -> pd.DataFrame:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return pd.read_parquet(io.BytesIO(buf.getvalue()), **read)


def _stored(unit: str, *, far: bool = False, **read) -> pd.DataFrame:
    """24 rows on two days as a Parquet file of ``unit`` times and durations, read back as ``read`` says."""
    valid_to = [
        np.datetime64("9999-12-31") if far and i % 5 == 0 else np.datetime64(f"2023-01-{1 + i:02d}")
        for i in range(24)
    ]
    return _parquet(
        pa.table(
            {
                "ts": pa.array(
                    np.array(["2024-01-01"] * 12 + ["2024-01-02"] * 12, dtype="datetime64[us]")
                ),
                "region": [f"r{i}" for i in range(24)],
                "label": [i % 2 for i in range(24)],
                "valid_to": pa.array(np.array(valid_to, dtype=f"datetime64[{unit}]")),
                "seen": pa.array(
                    np.array(
                        [f"2023-06-{1 + i:02d}T10:00" for i in range(24)],
                        dtype=f"datetime64[{unit}]",
                    ),
                    type=pa.timestamp(unit, tz="UTC"),
                ),
                "waited": pa.array(
                    np.array([3_600 * (i % 7) for i in range(24)], dtype="timedelta64[s]").astype(
                        f"timedelta64[{unit}]"
                    )
                ),
            }
        ),
        **read,
    )


def _order(frame: pd.DataFrame) -> list[str]:
    return list(in_time_order(frame, "ts")["region"])


@pytest.mark.parametrize("backend", ["numpy", "pyarrow"])
def test_arrow_and_numpy_times_and_durations_order_the_same_in_any_unit(backend):
    read = {"dtype_backend": "pyarrow"} if backend == "pyarrow" else {}
    frames = {unit: _stored(unit, **read) for unit in ("ms", "us", "ns")}
    if backend == "pyarrow":
        assert str(frames["us"]["waited"].dtype) == "duration[us][pyarrow]"
    else:
        assert str(frames["us"]["waited"].dtype) == "timedelta64[us]"
    orders = {unit: _order(frame) for unit, frame in frames.items()}
    assert orders["ms"] == orders["us"] == orders["ns"]
    assert orders["ns"] == _order(_stored("ns"))  # Arrow-backed or not


def test_times_beyond_2262_order_the_same_in_seconds_milliseconds_and_microseconds():
    frames = {unit: _stored(unit, far=True) for unit in ("s", "ms", "us")}
    assert str(frames["ms"]["valid_to"].dtype) == "datetime64[ms]"
    assert _order(frames["s"]) == _order(frames["ms"]) == _order(frames["us"])
    arrow = _stored("ms", far=True, dtype_backend="pyarrow")
    assert _order(arrow) == _order(frames["ms"])
    one = prepare(frames["ms"], target="label", time_column="ts", holdout_fraction=0.4, window=None)
    other = prepare(
        frames["us"], target="label", time_column="ts", holdout_fraction=0.4, window=None
    )
    assert list(other.train["region"]) == list(one.train["region"])


def _with_arrow_tags(frame):
    tags = pd.Series([["a", "b"]] * len(frame), dtype=pd.ArrowDtype(pa.list_(pa.string())))
    return frame.assign(tags=tags)


NESTED = {
    "list": lambda n: pa.array([["a", "b"][: i % 3] for i in range(n)], type=pa.list_(pa.string())),
    "list_all_null": lambda n: pa.array([None] * n, type=pa.list_(pa.int64())),
    "struct": lambda n: pa.array([{"a": i, "b": "x"} for i in range(n)]),
    "map": lambda n: pa.array(
        [[("k", i)] for i in range(n)], type=pa.map_(pa.string(), pa.int64())
    ),
}


@pytest.mark.parametrize("kind", sorted(NESTED))
def test_an_arrow_nested_column_is_refused_by_prepare_by_its_type(kind):
    frame = _tied("ns")
    frame = frame.assign(tags=pd.Series(pd.arrays.ArrowExtensionArray(NESTED[kind](len(frame)))))
    with pytest.raises(
        DataValidationError,
        match=r"^data contract violated \(1 rule\(s\)\): column 'tags' breaks "
        r"rule 'dtype' in 24 row\(s\): nested values \(an Arrow .* column\): a feature needs one "
        r"text or number per row$",
    ):
        prepare(frame, target="label", time_column="ts")


def test_an_arrow_list_column_is_refused_by_the_backtest_naming_it():
    from ctloop.backtest import BacktestConfig, run_backtest
    from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data

    frame = _with_arrow_tags(make_credit_data(n_rows=300, seed=5))
    with pytest.raises(
        DataValidationError, match=r"column 'tags' breaks rule 'dtype'.*nested values"
    ):
        run_backtest(
            frame,
            BacktestConfig(target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window="30D"),
        )
    nulls = frame.assign(
        tags=pd.Series(pd.arrays.ArrowExtensionArray(NESTED["list_all_null"](300)))
    )
    with pytest.raises(
        DataValidationError, match=r"column 'tags' breaks rule 'dtype'.*nested values"
    ):
        run_backtest(
            nulls,
            BacktestConfig(target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window="30D"),
        )
