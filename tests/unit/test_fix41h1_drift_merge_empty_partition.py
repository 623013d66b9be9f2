"""Merging drift states equals one pass (docs/drift.md), also when one partition of a column holds
only missing values: a date feature all null or unparseable in a partition reads as objects of None
(``monitoring.window.as_temporal``), an all-NaN block as float64. One pass takes such an empty
stretch as untyped (``DriftState.update``); merging refused it: "column 'd' is object in one and
object (date) in the other" (review h1, finding 1)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import streaming

DAYS = pd.DataFrame({"d": [dt.date(2024, 1, 1) + dt.timedelta(days=i % 30) for i in range(120)],
                     "x": np.arange(120.0)})
EMPTIES = {
    "None objects": pd.DataFrame({"d": pd.Series([None] * 40, dtype=object), "x": np.arange(40.0)}),
    "NaN floats": pd.DataFrame({"d": [np.nan] * 40, "x": np.arange(40.0)}),
}


def _summary(state: streaming.DriftState) -> dict:
    return {name: (c.family, c.type, c.rows, c.nulls, c.values) for name, c in state.columns.items()}


@pytest.mark.parametrize("empty", list(EMPTIES))
@pytest.mark.parametrize("empty_first", [True, False])
def test_merge_with_an_all_missing_partition_equals_one_pass(empty, empty_first):
    parts = [EMPTIES[empty], DAYS] if empty_first else [DAYS, EMPTIES[empty]]
    one = streaming.DriftState()
    for part in parts:
        one.update(part)
    a, b = (streaming.DriftState().update(p) for p in parts)
    merged = a.merge(b)
    assert _summary(merged) == _summary(one)
    assert merged.columns["d"].family == streaming.TEMPORAL and merged.columns["d"].nulls == 40
    ref = streaming.DriftState().update(DAYS)
    assert streaming.compare(ref, merged).to_dict() == streaming.compare(ref, one).to_dict()


def test_a_real_type_change_between_partitions_is_still_refused():
    texts = pd.DataFrame({"d": ["a", "b"] * 20, "x": np.arange(40.0)})
    a, b = streaming.DriftState().update(DAYS), streaming.DriftState().update(texts)
    with pytest.raises(streaming.DriftError, match="cannot merge drift states: column 'd'"):
        a.merge(b)


def test_an_all_nan_float_partition_first_merges():
    """Same family on both sides: an empty float sketch merged first raised IndexError."""
    nan = streaming.DriftState().update(pd.DataFrame({"x": [np.nan] * 5}))
    floats = streaming.DriftState().update(pd.DataFrame({"x": [1.0, 2.0, 2.0]}))
    one = streaming.DriftState().update(pd.DataFrame({"x": [np.nan] * 5})).update(pd.DataFrame({"x": [1.0, 2.0, 2.0]}))
    assert _summary(nan.merge(floats)) == _summary(one) == _summary(floats.merge(nan))
