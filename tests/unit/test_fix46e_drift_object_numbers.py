"""An object column of plain numbers is compared as numbers only when the current side's column is
numeric (engine.column_kind, the one rule); against a current object column of them it is compared as
categories. Round 46's extreme-value check treated every such column as numbers on both sides, so a
current object column of categories holding 10**400 raised a DriftError (float64 overflow) and one
holding 1e300 was silently nulled (review 46, fix E item 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.components.drift import core
from ctloop.drift import engine


def _objects(values):
    return pd.Series(list(values), dtype=object)


def test_a_current_object_column_of_categories_keeps_a_huge_integer():
    ref = pd.DataFrame({"x": _objects([1, 2, 3] * 20)})
    cur = pd.DataFrame({"x": _objects([1, 2, 3] * 20 + [10**400])})
    _, cur2, notes = core.unusable_values(ref, cur, ["x"])
    assert notes == [] and cur2["x"].iloc[-1] == 10**400
    assert engine.extreme_values(cur, ["x"]) == {}  # the frame itself decides by default


def test_a_current_object_column_of_categories_keeps_1e300():
    ref = pd.DataFrame({"x": _objects([1.0, 2.0] * 20)})
    cur = pd.DataFrame({"x": _objects([1.0, 2.0] * 20 + [1e300])})
    _, cur2, notes = core.unusable_values(ref, cur, ["x"])
    assert notes == [] and cur2["x"].iloc[-1] == 1e300


def test_a_reference_object_column_against_float_numbers_is_still_masked():
    rng = np.random.default_rng(5)
    ref = pd.DataFrame({"x": _objects(list(rng.normal(size=40)) + [1e300])})
    cur = pd.DataFrame({"x": rng.normal(size=40)})
    ref2, _, notes = core.unusable_values(ref, cur, ["x"])
    assert np.isnan(ref2["x"].iloc[-1])
    assert len(notes) == 1 and notes[0].startswith("x: 1 value(s) beyond") and notes[0].endswith("in the reference, e.g. 1e+300")
