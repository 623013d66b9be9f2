"""``ctloop.contract`` fed hostile contracts and frames: a bad rule is one ConfigError line naming
its path, a broken one a DataValidationError naming column and values as Python writes them; no
rule is silently a no-op."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.contract import DataContract, validate
from ctloop.errors import ConfigError, DataSourceError, DataValidationError


@pytest.mark.parametrize("key", ["min", "max"])
def test_a_nan_bound_is_refused_not_a_rule_that_never_fires(key):
    with pytest.raises(ConfigError, match=rf"contract.columns.x.{key} must be a number, got nan"):
        DataContract.from_dict({"columns": {"x": {key: float("nan")}}})


def test_a_bound_on_text_values_is_a_violation_naming_them():
    contract = DataContract.from_dict({"columns": {"r": {"min": 0}}})
    with pytest.raises(DataValidationError) as info:
        validate(pd.DataFrame({"r": ["a", "b", None]}), contract)
    assert "column 'r' breaks rule 'min' in 2 row(s): min/max apply to numbers, got values like ['a', 'b']" in str(
        info.value)


def test_a_bound_on_a_time_column_is_refused_not_compared_as_nanoseconds():
    """``min: 0`` on a datetime column compared nanoseconds since 1970 and passed every row
    silently; declared ``dtype: datetime`` it is a ConfigError, undeclared a violation."""
    with pytest.raises(ConfigError, match=r"contract.columns.signup: min/max apply to numbers, not to a datetime"):
        DataContract.from_dict({"columns": {"signup": {"dtype": "datetime", "min": 0}}})
    contract = DataContract.from_dict({"columns": {"signup": {"max": 100}}})
    frame = pd.DataFrame({"signup": pd.to_datetime(["2024-01-01", "2025-06-30"])})
    with pytest.raises(DataValidationError, match=r"column 'signup' breaks rule 'max' in 2 row\(s\): min/max apply "
                                                  r"to numbers, not to times"):
        validate(frame, contract)


@pytest.mark.parametrize("values, shown", [([1.0, np.nan, 3.5], "[3.5]"), ([True, False, True], "[True, False]")])
def test_examples_are_written_as_python_values(values, shown):
    with pytest.raises(DataValidationError) as info:
        validate(pd.DataFrame({"x": values}), DataContract.from_dict({"columns": {"x": {"dtype": "int"}}}))
    assert f"got values like {shown}" in str(info.value) and "np." not in str(info.value)


def test_an_int_beyond_int64_is_a_dtype_violation_not_a_rounded_float():
    with pytest.raises(DataValidationError) as info:
        validate(pd.DataFrame({"x": ["99999999999999999999999", "1"]}),
                 DataContract.from_dict({"columns": {"x": {"dtype": "int"}}}))
    assert "column 'x' breaks rule 'dtype' in 1 row(s): expected int, got values like ['99999999999999999999999']" in (
        str(info.value))


def test_a_uint64_column_beyond_int64_is_an_int_held_exactly():
    """Hashed ids are uint64: values of 2**63 and above are whole numbers held exactly, not floats
    that rounded their digits (the check for those is on float columns only)."""
    frame = pd.DataFrame({"x": np.array([2**63 + 5, 1, 2**64 - 1], dtype=np.uint64)})
    validate(frame, DataContract.from_dict({"columns": {"x": {"dtype": "int"}}}))


def test_duplicate_column_names_are_a_violation_not_a_type_error():
    frame = pd.DataFrame([[1, 2, 3]], columns=["x", "x", "y"])
    with pytest.raises(DataSourceError) as info:  # round 50: a header's problem, no row count
        validate(frame, DataContract.from_dict({"columns": {"x": {"dtype": "int"}}}))
    assert str(info.value) == "2 columns are named 'x' (columns 1 and 2): rename them"
