"""Hunt 37 (training surface): a contract's ``allowed`` list compares numbers by value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.contract import DataContract, validate
from ctloop.errors import DataValidationError


@pytest.mark.parametrize("values, allowed, dtype", [
    ([1, 2, np.nan, 1], [1, 2], None),  # an int column with a gap: float64 (CSV, Parquet from pandas)
    ([1, 2, np.nan, 1], [1, 2], "int"),
    ([1, 2, 2], [1.0, 2.0], None),  # a YAML list written 1.0, 2.0
    (pd.array([1, None, 2], dtype="Int64"), [1, 2], None),
    ([1.5, 2.0], [1.5, 2], None),
])
def test_allowed_numbers_match_a_column_of_the_same_numbers(values, allowed, dtype):
    # Was: "column 'grade' breaks rule 'allowed' in 3 row(s): unseen categories ['1.0', '2.0'];
    # allowed ['1', '2']": every row of a grade column with one gap refused, and the run stopped.
    rule = {"allowed": allowed, **({"dtype": dtype} if dtype else {})}
    validate(pd.DataFrame({"grade": values}), DataContract.from_dict({"columns": {"grade": rule}}))


def test_a_number_outside_the_list_is_still_named():
    contract = DataContract.from_dict({"columns": {"grade": {"allowed": [1, 2]}}})
    with pytest.raises(DataValidationError, match=r"column 'grade' breaks rule 'allowed' in 1 row\(s\): unseen "
                                                  r"categories \['3'\]; allowed \['1', '2'\]"):
        validate(pd.DataFrame({"grade": [1.0, 3.0, np.nan]}), contract)
    with pytest.raises(DataValidationError, match=r"unseen categories \['2.5'\]"):
        validate(pd.DataFrame({"grade": [1.0, 2.5]}), contract)
    # text and true/false compare as before
    validate(pd.DataFrame({"g": ["a", "b"]}), DataContract.from_dict({"columns": {"g": {"allowed": ["a", "b"]}}}))
    validate(pd.DataFrame({"g": [True, None]}), DataContract.from_dict({"columns": {"g": {"allowed": [True]}}}))
    with pytest.raises(DataValidationError, match=r"unseen categories \['1'\]"):  # 1 is no true/false
        validate(pd.DataFrame({"g": ["1", "2"]}), DataContract.from_dict({"columns": {"g": {"allowed": [2]}}}))


@pytest.mark.parametrize("values, allowed", [
    # a Parquet float column of 32 bits: float(np.float32(0.1)) is 0.10000000149011612; c4891b9
    # refused every row ("unseen categories ['0.10000000149011612', ...]"), before it they passed
    (np.array([0.1, 0.2, 0.1], dtype="float32"), [0.1, 0.2]),
    (np.array([0.1, 0.2], dtype="float32"), ["0.1", "0.2"]),
    (np.array([1.0, 2.0], dtype="float32"), [1, 2]),
    # allowed written as quoted text on a float column with a gap: by value too (was refused:
    # "unseen categories ['1', '2']; allowed ['1.0', '2.0']")
    ([1.0, 2.0, np.nan], ["1.0", "2.0"]),
    ([1, 2, 2], ["1", " 2 "]),
    ([2**53 + 1, 1], [str(2**53 + 1), "1"]),  # text parsed exactly, not through float
])
def test_allowed_matches_float32_and_numbers_written_as_text(values, allowed):
    validate(pd.DataFrame({"c": values}), DataContract.from_dict({"columns": {"c": {"allowed": allowed}}}))


def test_allowed_text_that_is_no_number_still_refuses_a_number():
    contract = DataContract.from_dict({"columns": {"c": {"allowed": ["1.0", "other"]}}})
    with pytest.raises(DataValidationError, match=r"unseen categories \['2'\]"):
        validate(pd.DataFrame({"c": [1.0, 2.0, np.nan]}), contract)
    with pytest.raises(DataValidationError, match=r"unseen categories \['0.3'\]"):
        validate(pd.DataFrame({"c": np.array([0.1, 0.3], dtype="float32")}),
                 DataContract.from_dict({"columns": {"c": {"allowed": [0.1, 0.2]}}}))
