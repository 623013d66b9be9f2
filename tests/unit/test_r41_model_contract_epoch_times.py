"""Round 41 (model surface): numbers in a column the data contract declares a datetime.

``prepare_data`` refuses a time column of numbers (epoch numbers in unknown units would silently
become 1970 dates, ``contract.parse_times``), but when the contract named the column
``dtype: datetime`` its check ran first and read Unix seconds 1700000000 as nanoseconds: every row
fell within two seconds of 1970-01-01, the window and the time split ran on them, without a word.
Such numbers now break the contract's ``dtype`` rule, naming the column and a few values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.contract import DataContract, validate
from ctloop.errors import DataValidationError


def _frame(times) -> pd.DataFrame:
    x = np.random.default_rng(0).normal(size=len(times))
    return pd.DataFrame({"t": times, "x": x, "y": np.where(x > 0, "yes", "no")})


@pytest.mark.parametrize("scale", [1, 1000], ids=["seconds", "milliseconds"])
def test_unix_times_in_a_contract_datetime_time_column_are_refused(scale):
    frame = _frame((1_700_000_000 + 3600 * np.arange(200)) * scale)
    with pytest.raises(DataValidationError) as info:
        prepare(frame, target="y", time_column="t", window=None, contract={"columns": {"t": {"dtype": "datetime"}}})
    message = str(info.value)
    assert "\n" not in message and "column 't'" in message and "'dtype'" in message, message
    assert str(1_700_000_000 * scale) in message, message


def test_numbers_in_another_contract_datetime_column_are_refused():
    frame = _frame(pd.date_range("2025-01-01", periods=10, freq="h")).assign(signup=1_700_000_000)
    with pytest.raises(DataValidationError) as info:
        validate(frame, DataContract.from_dict({"columns": {"signup": {"dtype": "datetime"}}}))
    assert "column 'signup'" in str(info.value) and "1700000000" in str(info.value), str(info.value)


def test_numbers_with_a_time_format_still_read_as_times():
    frame = _frame([20250101 + i for i in range(20)])
    prepared = prepare(frame, target="y", time_column="t", window=None, time_format="%Y%m%d",
                       contract={"columns": {"t": {"dtype": "datetime"}}})
    assert str(prepared.holdout["t"].max()) == "2025-01-20 00:00:00"
