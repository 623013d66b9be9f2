"""The tie order (rows sharing an event time, ``prepare core in_time_order``) depends on the rows'
values only: not on the unit pandas stores a time in (Parquet written by Spark or BigQuery holds
microseconds, pandas 3 reads CSV times as microseconds, pandas 2 nanoseconds), and a column whose
cells cannot be hashed (an Arrow list column, ``read_parquet(dtype_backend="pyarrow")``) is refused
naming it, not with a raw TypeError."""

import pandas as pd
import pyarrow as pa
import pytest

from ctloop.components.prepare.core import in_time_order, prepare
from ctloop.errors import DataValidationError


def _tied(unit):
    frame = pd.DataFrame({
        "ts": pd.to_datetime(["2024-01-01"] * 12 + ["2024-01-02"] * 12).as_unit(unit),
        "amount": [float(i % 5) for i in range(24)],
        "region": [f"r{i}" for i in range(24)],
        "opened": pd.to_datetime([f"2023-{1 + i % 12:02d}-{1 + i:02d}" for i in range(24)]).as_unit(unit),
        "seen": pd.to_datetime([f"2023-06-{1 + i:02d} 10:00" for i in range(24)]).tz_localize("UTC").as_unit(unit),
        "label": [i % 2 for i in range(24)],
    })
    return frame


def test_the_same_rows_in_nanoseconds_and_microseconds_order_the_same():
    ns, us = _tied("ns"), _tied("us")
    assert str(us["ts"].dtype) == "datetime64[us]" and str(us["seen"].dtype) == "datetime64[us, UTC]"
    assert list(in_time_order(us, "ts")["region"]) == list(in_time_order(ns, "ts")["region"])


def test_prepare_splits_them_the_same():
    one = prepare(_tied("ns"), target="label", time_column="ts", holdout_fraction=0.4)
    other = prepare(_tied("us"), target="label", time_column="ts", holdout_fraction=0.4)
    assert list(other.train["region"]) == list(one.train["region"])
    assert list(other.holdout["region"]) == list(one.holdout["region"])


def _with_arrow_tags(frame):
    tags = pd.Series([["a", "b"]] * len(frame), dtype=pd.ArrowDtype(pa.list_(pa.string())))
    return frame.assign(tags=tags)


def test_an_arrow_list_column_orders_as_its_text():
    frame = _with_arrow_tags(_tied("ns"))
    assert list(in_time_order(frame, "ts")["region"]) == list(in_time_order(frame.iloc[::-1], "ts")["region"])


def test_an_arrow_list_column_is_refused_by_the_backtest_naming_it():
    from ctloop.backtest import BacktestConfig, run_backtest
    from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data

    frame = _with_arrow_tags(make_credit_data(n_rows=300, seed=5))
    with pytest.raises(DataValidationError, match=r"column 'tags' breaks rule 'dtype'.*nested values"):
        run_backtest(frame, BacktestConfig(target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window="30D"))


def test_an_arrow_list_column_is_refused_by_prepare_naming_it():
    with pytest.raises(DataValidationError, match=r"column 'tags' breaks rule 'dtype'.*nested values"):
        prepare(_with_arrow_tags(_tied("ns")), target="label", time_column="ts")
