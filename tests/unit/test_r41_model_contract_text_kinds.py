"""Round 41 (model surface): a data contract's ``dtype: string``/``category`` and values that are no text.

Without a contract, ``prepare_data`` refuses bytes (a Parquet BINARY column of text, as Impala and
older Hive or Spark write it) and nested values in a feature, naming the column
(``contract.check_uniform_types``). A contract declaring that column ``string`` or ``category``
turned each value into Python's text of it first (``"b'north'"``, ``"[1, 2]"``): the model learnt
categories no served request or CSV file ever holds, and ignored the column there, without a word.
Now such values reach the same refusal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.errors import DataValidationError


def _frame(values) -> pd.DataFrame:
    n = len(values)
    x = np.random.default_rng(0).normal(size=n)
    return pd.DataFrame({"t": pd.date_range("2025-01-01", periods=n, freq="h"), "x": x, "region": values,
                         "y": np.where(x > 0, "yes", "no")})


@pytest.mark.parametrize("dtype", ["string", "category"])
@pytest.mark.parametrize("values", [[b"north", b"south"] * 50, [[1, 2], [3]] * 50], ids=["bytes", "nested"])
def test_values_that_are_no_text_in_a_contract_text_column_are_refused(dtype, values):
    with pytest.raises(DataValidationError) as info:
        prepare(_frame(values), target="y", time_column="t", window=None,
                contract={"columns": {"region": {"dtype": dtype}}})
    message = str(info.value)
    assert "\n" not in message and "column 'region'" in message, message


@pytest.mark.parametrize("values", [["north", "south"] * 50, [1, 2] * 50, ["north", None] * 50])
def test_text_numbers_and_gaps_in_a_contract_string_column_read_as_before(values):
    prepared = prepare(_frame(values), target="y", time_column="t", window=None,
                       contract={"columns": {"region": {"dtype": "string"}}})
    assert set(prepared.train["region"].dropna()) <= {"north", "south", "1", "2"}
