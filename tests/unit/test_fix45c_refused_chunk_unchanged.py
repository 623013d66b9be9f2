"""A chunk refused because a value going to hash buckets (past ``max_categories``) has no stable
text to hash (a tuple) left the state changed until fix45c: the other columns had counted the
chunk, and the column's own exact counts were gone (swapped out before the hashing failed), though
the docs promise a refused chunk leaves the state as it was. The values are now checked with every
other refusal before any column counts the chunk, and counts go to hash buckets only once every
value is hashed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import sketch, streaming
from ctloop.errors import DriftError


def _saved(state: streaming.DriftState) -> dict:
    return json.loads(json.dumps(state.to_dict()))


def test_a_tuple_going_to_hash_buckets_is_refused_before_any_column_counts_the_chunk():
    rng = np.random.default_rng(1)
    state = streaming.DriftState(max_categories=64)
    state.update(pd.DataFrame({"a": rng.normal(size=10), "b": [f"s{i}" for i in range(10)]}))
    before = _saved(state)
    chunk = pd.DataFrame({"a": rng.normal(size=100),
                          "b": pd.Series([f"n{i}" for i in range(99)] + [(1, 2)], dtype=object)})  # fmt: skip
    with pytest.raises(DriftError, match=r"^column 'b': more than 64 distinct values to count in hash buckets, "
                                         r"and cannot keep category value \(1, 2\) of type tuple"):  # fmt: skip
        state.update(chunk)
    assert _saved(state) == before
    assert state.columns["a"].rows == 10 and len(state.columns["b"].categories.counts) == 10


def test_a_few_tuples_still_counted_exactly_are_not_refused():
    state = streaming.DriftState(max_categories=64)
    state.update(pd.DataFrame({"b": pd.Series(["x", (1, 2), (1, 2)], dtype=object)}))
    assert state.columns["b"].categories.counts == {"x": 1, (1, 2): 2}


def test_counts_that_cannot_be_hashed_are_left_as_they_were():
    counts = sketch.CategoryCounts(64)
    counts.add([f"s{i}" for i in range(10)], [1] * 10)
    with pytest.raises(TypeError, match="cannot keep category value"):
        counts.add([f"n{i}" for i in range(60)] + [(1, 2)], [1] * 61)
    assert not counts.hashed and counts.counts == {f"s{i}": 1 for i in range(10)}
