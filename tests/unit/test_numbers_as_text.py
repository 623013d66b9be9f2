"""``ctloop.storage.numbers_as_text``: a number given for a feature trained as text is read as the
training category of the same value ('3.0' for 3, '01' for 1) when exactly one has it, else as
its own text ('3'), counted — the one rule of serving, batch scoring and monitoring."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ctloop.storage import NumbersAsText, number_categories, numbers_as_text, trained_categories


def test_a_number_is_read_as_the_one_trained_category_of_its_value():
    trained = ["3.0", "01", "2.50", "A", "10"]
    counts = NumbersAsText()
    got = numbers_as_text(pd.Series([3, 1, 2.5, 10, 3.0, "A", None, True], dtype=object), trained, counts)
    assert got.tolist()[:6] == ["3.0", "01", "2.50", "10", "3.0", "A"]
    assert got.iloc[6] is None and got.iloc[7] is True  # a gap and a flag as given
    assert (counts.numbers, counts.recoded, counts.unknown, counts.ambiguous) == (5, 4, 0, 0)
    assert counts.examples == {"recoded": "3 → '3.0'"}


def test_no_or_several_trained_categories_of_a_value_keep_its_own_text_and_are_counted():
    counts = NumbersAsText()
    got = numbers_as_text(pd.Series([1, 1.0, 9, 0.1]), ["1", "01", "0.10"], counts)
    assert got.tolist() == ["1", "1", "9", "0.10"]  # 0.1 is the decimal 0.1 as written, not its binary fraction
    assert (counts.numbers, counts.recoded, counts.unknown, counts.ambiguous) == (4, 1, 1, 2)
    assert counts.examples["ambiguous"] == "1 → '1': '01' and '1' trained"
    assert counts.examples["unknown"] == "9 → '9'"
    note = counts.note("code")
    assert note.startswith("'code': 4 number(s) read as text") and "2 matching several" in note, note


def test_without_categories_a_number_is_its_csv_text_as_before():
    got = numbers_as_text(pd.Series([3, 2.5, np.nan, 1e20]))
    assert got.iloc[0] == "3" and got.iloc[1] == "2.5" and math.isnan(got.iloc[2])
    assert got.iloc[3] == "100000000000000000000"


def test_large_codes_are_compared_exactly_not_as_floats():
    """Two 17-digit codes one apart are the same float64: as floats both would 'match' one code."""
    trained = ["12345678901234567", "12345678901234568"]
    counts = NumbersAsText()
    got = numbers_as_text(pd.Series([12345678901234567, 12345678901234568], dtype="int64"), trained, counts)
    assert got.tolist() == trained and counts.ambiguous == 0


def test_only_decimal_numbers_count_as_numbers_written_as_text():
    assert number_categories(["1_000", " 3", "nan", "inf", "0x10", "1e3", "-0", "0"]) == {
        **number_categories(["1e3"]), **number_categories(["-0", "0"])}
    assert sorted(number_categories(["-0", "0"]).values()) == [("-0", "0")]


def test_the_trained_categories_are_the_fitted_one_hot_encoders():
    from ctloop.components.train.core import fit

    rng = np.random.default_rng(0)
    grade = rng.integers(1, 8, 400)
    frame = pd.DataFrame({"grade": [f"{g}.0" for g in grade], "x": rng.normal(size=400)})
    frame["y"] = (grade >= 5).astype(int)
    model = fit(frame, target="y", estimator="logistic_regression").model
    assert trained_categories(model) == {"grade": [f"{g}.0" for g in range(1, 8)]}
    assert trained_categories(object()) == {}


@pytest.mark.parametrize("dtype", ["float32", "Float32", "float[pyarrow]"])
def test_a_float32_column_is_read_as_written_not_as_its_binary_fraction(dtype):
    """A Parquet float column of 32 bits (pyarrow reads a pandas-written one back as Float32): 0.1
    is 0.100000001490116... as a float64, so it matched no trained '0.1' and was counted unknown
    (review findings)."""
    counts = NumbersAsText()
    out = numbers_as_text(pd.Series([0.1, 2.5, 7.0, None], dtype=dtype), ["0.1", "2.50", "07"], counts)
    assert out.tolist()[:3] == ["0.1", "2.50", "07"] and pd.isna(out.iloc[3])
    assert counts.unknown == 0
