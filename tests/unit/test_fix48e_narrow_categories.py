"""A float16/float32 column read as text against many trained categories (review E of round 48):
``numbers_as_text`` narrowed the category map one category at a time — one small array and one
text conversion per trained category, on every batch — so scoring a float32 column of codes with
50,000 trained categories took twice the CPU. Now every category is narrowed in one array, and only
fractions go through text (a whole number is held exactly). Counted, not timed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop import storage
from ctloop.storage import NumbersAsText, number_categories, numbers_as_text


@pytest.fixture
def narrowings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sizes: list[int] = []
    real = storage._narrow_read

    def counting(values: np.ndarray) -> np.ndarray:
        sizes.append(len(values))
        return real(values)

    monkeypatch.setattr(storage, "_narrow_read", counting)
    return sizes


def test_categories_narrowed_in_one_array(narrowings: list[int]) -> None:
    categories = number_categories(
        [str(code) for code in range(10_000, 12_000, 2)] + ["0.1", "8210"]
    )
    series = pd.Series([10_001, 10_002, 0.1, np.nan], dtype="float32")
    counts = NumbersAsText()
    out = numbers_as_text(series, categories, counts)
    assert out.iloc[:3].tolist() == ["10001", "10002", "0.1"] and out.isna().iloc[3]
    assert (counts.numbers, counts.unknown) == (3, 1)  # 10001: no such code trained
    assert narrowings == [
        4,
        len(categories),
    ]  # the rows once, the categories once (was once per category)


def test_only_fractions_go_through_text(monkeypatch: pytest.MonkeyPatch) -> None:
    converted: list[int] = []
    real_astype = np.ndarray.astype

    class Counting(np.ndarray):
        def astype(self, dtype, *args, **kwargs):  # type: ignore[override]
            if dtype is str:
                converted.append(self.size)
            return real_astype(np.asarray(self), dtype, *args, **kwargs)

    values = np.array([8208, 3, 0.1, np.inf, np.nan, -2.5], dtype="float16").view(Counting)
    out = storage._narrow_read(values)
    assert np.asarray(out)[:4].tolist() == [8208.0, 3.0, 0.1, float("inf")]
    assert np.isnan(np.asarray(out)[4]) and np.asarray(out)[5] == -2.5
    assert converted == [2]  # 0.1 and -2.5: not the whole numbers, inf or NaN


def test_two_categories_held_as_one_number_still_ambiguous() -> None:
    # '8208' and '8210' are both 8208 in 16 bits: the merged map keeps both texts, sorted
    counts = NumbersAsText()
    out = numbers_as_text(pd.Series([8208], dtype="float16"), ["8210", "8208", "7"], counts)
    assert out.tolist() == ["8208"] and counts.ambiguous == 1
