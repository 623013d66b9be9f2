"""Review r41a finding 3: numbers in a contract ``datetime`` column were told to "name their format in
data.time_format (e.g. '%Y%m%d')", wrong for Unix times (every value then fails that format) and for
a column other than the time column (data.time_format does not apply to it); for the time column the
contract check also pre-empted ``parse_times``' message naming the Unix-time unit and the conversion.
The contract now says what ``parse_times`` says for the time column, and to convert the values before
loading for another column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.errors import DataValidationError

N = 100


def _frame(t, **extra):
    x = np.random.default_rng(0).normal(size=N)
    return pd.DataFrame({"t": t, "x": x, "y": np.where(x > 0, "yes", "no"), **extra})


def _message(frame, contract):
    with pytest.raises(DataValidationError) as info:
        prepare(frame, target="y", time_column="t", window=None, contract=contract)
    return str(info.value)


def test_unix_seconds_in_the_time_column_get_the_conversion_not_a_time_format():
    frame = _frame(1_700_000_000 + np.arange(N) * 3600)
    plain = _message(frame, None)
    message = _message(frame, {"columns": {"t": {"dtype": "datetime"}}})
    assert "pandas.to_datetime(frame['t'], unit='s', utc=True)" in message, message
    assert "time_format" not in message and "\n" not in message, message
    assert plain.split(": ", 1)[1] in message, (plain, message)


def test_yyyymmdd_numbers_in_the_time_column_are_told_their_format():
    frame = _frame(20250101 + np.arange(N) % 28)
    message = _message(frame, {"columns": {"t": {"dtype": "datetime"}}})
    assert "data.time_format" in message and "'%Y%m%d'" in message, message


@pytest.mark.parametrize("values", [1_700_000_000 + np.arange(N) * 60, 20250101 + np.arange(N) % 28],
                         ids=["unix", "yyyymmdd"])
def test_numbers_in_another_datetime_column_are_told_to_convert_them_before_loading(values):
    frame = _frame(pd.date_range("2025-01-01", periods=N, freq="h"), signup=values)
    message = _message(frame, {"columns": {"signup": {"dtype": "datetime"}}})
    assert "'signup'" in message and "before loading" in message, message
    assert "time_format" not in message and "\n" not in message, message
