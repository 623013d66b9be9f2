"""Hostile values found in round 50 (issue: data meets ctloop), each refused or said up front by
``prepare_data``'s core and ``ctloop backtest`` alike:

* a Parquet column named ``""`` (pandas writes a frame's unnamed column so; a CSV reads it as
  ``Unnamed: 1``) was trained as a feature with no name, which no served request can send;
* a Python integer past 64 bits in an object column (a notebook's frame: no CSV reads it as a number)
  passed the contract, and the step failed writing its Parquet output with a raw
  "OverflowError: Python int too large to convert to C long" (pyarrow);
* a text feature written several ways ('Yes', 'yes ', 'YES') is said by ``prepare_data`` but was
  replayed by the backtest without a word."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import run_backtest
from ctloop.components.prepare import core as prepare_core
from ctloop.config import DataConfig
from ctloop.errors import ConfigError, DataError, DataValidationError
from ctloop.storage import read_table
from tests.unit.test_backtest_inputs import config, frame


def _daily(rows: int = 40) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts": pd.date_range("2025-01-01", periods=rows, freq="D"),
            "x": np.arange(rows, dtype=float),
            "y": [0, 1] * (rows // 2),
        }
    )


def _prepare(data: pd.DataFrame):
    return prepare_core.run(
        data, DataConfig.from_dict({"uri": "mem", "target": "y", "time_column": "ts", "window": ""})
    )


@pytest.mark.parametrize("name", ["", "  "])
def test_a_parquet_column_without_a_name_is_refused(tmp_path, name):
    path = tmp_path / "unnamed.parquet"
    _daily().assign(**{name: 1.0}).to_parquet(path)
    data = read_table(str(path))
    assert name in data.columns  # as written: Arrow keeps the empty name
    with pytest.raises(
        DataError,
        match=rf"^column name {name!r} \(column 4\) is no name: .* name the column or drop it$",
    ):
        _prepare(data)
    with pytest.raises(DataError, match=rf"^column name {name!r} \(column 5\) is no name"):
        run_backtest(frame().assign(**{name: 1.0}), config())


def test_an_integer_past_64_bits_among_objects_is_named_not_an_overflow_error():
    data = _daily().assign(big=pd.Series([5, 10**30] + list(range(38)), dtype=object))
    expected = (
        r"column 'big' breaks rule 'int64' in 1 row\(s\): an integer past 64 bits "
        r"\(1000000000000000000000000000000, row 2\)"
    )
    with pytest.raises(DataValidationError, match=expected):
        _prepare(data)
    replay = frame().assign(big=pd.Series([-(2**64)] + list(range(399)), dtype=object))
    with pytest.raises(
        DataValidationError, match=r"column 'big' breaks rule 'int64' in 1 row\(s\): .*-18446744073"
    ):
        run_backtest(replay, config())


def test_unsigned_64_bit_integers_among_objects_still_pass():
    data = _daily().assign(big=pd.Series([2**64 - 1] + list(range(39)), dtype=object))
    assert len(_prepare(data).train) > 0


def test_the_backtest_says_a_text_features_spellings_as_prepare_data_does():
    data = frame().assign(answer=["Yes", "yes ", "YES", "no"] * 100)
    # said up front, before the replay: a window refused right after it keeps the test cheap
    with pytest.warns(
        UserWarning, match=r"column 'answer' writes one value several ways \('Yes', 'yes ', 'YES'\)"
    ):
        with pytest.raises(ConfigError, match="more windows than rows"):
            run_backtest(data, config(window="1min"))
