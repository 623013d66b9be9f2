"""Whole numbers in a 16- or 32-bit float column (a Parquet ``halffloat``/``float`` column: what
NumPy's and pandas' float16/float32 write) where the type's spacing is above 1 (16 bits from 2048,
32 bits from 2**24). Read as their shortest text at that width they were rounder numbers than the
column holds: ``8208`` in 16 bits read as ``8210``, ``123456792`` in 32 bits as ``123456790``, so a
code trained (or allowed) as ``'8208'`` was an unknown category. A value now matches a trained or
allowed number when that number, written at the column's width, is the value: ``8208`` matches
``'8208'`` (held exactly) and ``'8210'`` (which the column stores as 8208) alike, and ``0.1`` in 32
bits still matches ``'0.1'``. A 16-bit column with an ``allowed`` rule failed with pandas'
"float16 indexes are not supported" (a traceback, no column named)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.contract import DataContract, validate
from ctloop.errors import DataValidationError
from ctloop.storage import NumbersAsText, numbers_as_text


def _allowed(values, allowed):
    contract = DataContract.from_dict({"columns": {"code": {"allowed": allowed}}})
    return validate(pd.DataFrame({"code": values}), contract)


@pytest.mark.parametrize("width", ["float16", "float32"])
@pytest.mark.parametrize("allowed", [[8208, 2050, 0.5], ["8208", "2050", "0.5"], [8208.0, 2050, 0.5]])
def test_allowed_takes_whole_numbers_a_narrow_float_holds(width, allowed):
    _allowed(np.array([8208, 2050, 0.5, 8208], dtype=width), allowed)


def test_allowed_takes_a_32_bit_number_beyond_two_to_the_24():
    _allowed(np.array([123456792, 16777218], dtype="float32"), [123456792, 16777218])
    # as written before it was stored (the column cannot tell these apart)
    _allowed(np.array([123456790, 16777218], dtype="float32"), [123456790, 16777218])
    _allowed(pd.array([123456792, None], dtype="Float32"), [123456792])


@pytest.mark.parametrize("width", ["float16", "float32"])
def test_allowed_still_refuses_a_narrow_float_outside_the_list(width):
    with pytest.raises(DataValidationError) as err:
        _allowed(np.array([8208, 0.1, 2050], dtype=width), [8208, 0.1])
    assert "'allowed' in 1 row(s)" in str(err.value) and "'2050'" in str(err.value)


def test_numbers_as_text_reads_a_16_bit_whole_number_as_the_trained_code():
    tally = NumbersAsText()
    out = numbers_as_text(pd.Series(np.array([8208, 2050, 0.5], dtype="float16")), ["8208", "2050", "0.5"], tally)
    assert out.tolist() == ["8208", "2050", "0.5"]
    assert (tally.numbers, tally.unknown, tally.recoded) == (3, 0, 0)


def test_numbers_as_text_reads_a_32_bit_whole_number_as_the_trained_code():
    tally = NumbersAsText()
    out = numbers_as_text(pd.Series(np.array([123456792, 0.1], dtype="float32")), ["123456792", "0.1"], tally)
    assert out.tolist() == ["123456792", "0.1"]
    assert tally.unknown == 0
    # a code written 123456790 was stored as 123456792: still its code
    out = numbers_as_text(pd.Series(np.array([123456790], dtype="float32")), ["123456790"])
    assert out.tolist() == ["123456790"]


def test_numbers_as_text_says_ambiguous_when_two_codes_share_the_stored_value():
    tally = NumbersAsText()
    out = numbers_as_text(pd.Series(np.array([8208], dtype="float16")), ["8208", "8210"], tally)
    assert out.tolist() == ["8208"] and tally.ambiguous == 1


def test_numbers_as_text_without_categories_writes_the_number_the_column_holds():
    out = numbers_as_text(pd.Series(np.array([8208, 0.1], dtype="float16")))
    assert out.tolist() == ["8208", "0.1"]


@pytest.mark.parametrize("width", ["float16", "float32", "Float32"])
def test_the_data_profile_of_a_narrow_float_column_is_its_values(width):
    # summed at 16 bits, 40 rows of 8208 overflowed: the profile said mean inf, std inf
    from ctloop.components.prepare.core import prepare

    frame = pd.DataFrame({"time": pd.date_range("2024-01-01", periods=40, freq="h"),
                          "code": pd.array([8208.0, 2048.0] * 20, dtype=width), "y": [0, 1] * 20})
    profile = prepare(frame, target="y", time_column="time").profile["columns"]["code"]
    assert (profile["min"], profile["max"], profile["mean"]) == (2048.0, 8208.0, 5128.0)
    assert profile["std"] == pytest.approx(3080 * (40 / 39) ** 0.5, abs=1e-3)  # ddof 1
