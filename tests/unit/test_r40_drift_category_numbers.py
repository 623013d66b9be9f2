"""A ``category`` column of numbers against text is refused, as an int column against text is.

``engine.refuse_number_against_text`` refuses a categorical column that is numbers on one side
and text on the other (``0`` never matches ``"0"``: every value counts as new, chi-square p 0,
the column judged drifted). A pandas ``category`` whose categories are numbers (a frame built with
``pd.Categorical([1, 2, ...])``, as ``detect``'s callers pass) was not recognised as numbers, so
against the same codes as text the column was silently judged drifted with p = 0; a ``category``
of text was already recognised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine
from ctloop.errors import DriftError


def _codes(n: int = 120) -> np.ndarray:
    return np.random.default_rng(0).choice([1, 2, 3], n)


@pytest.mark.parametrize("current", [
    pd.Series(_codes().astype(str), dtype=object),
    pd.Series(pd.Categorical(_codes().astype(str))),
    pd.Series(_codes().astype(str), dtype="string"),
], ids=["object", "category", "string"])
def test_a_category_of_numbers_against_text_is_refused_naming_the_column(current):
    ref = pd.DataFrame({"code": pd.Categorical(_codes()), "x": np.arange(120.0)})
    cur = pd.DataFrame({"code": current, "x": np.arange(120.0)})
    with pytest.raises(DriftError, match="column 'code' is .* numbers on one side and text on the other"):
        engine.detect(ref, cur)
    with pytest.raises(DriftError, match="column 'code'"):
        engine.detect(cur, ref)


def test_a_category_of_numbers_against_the_same_numbers_is_compared():
    ref = pd.DataFrame({"code": pd.Categorical(_codes())})
    cur = pd.DataFrame({"code": _codes()})
    (col,) = engine.detect(ref, cur).columns
    assert col.kind == "categorical" and col.score == pytest.approx(1.0) and not col.drifted
