"""A chunk refused for a tuple counted exactly before it (this chunk pushes the column past
max_categories into hash buckets, where a tuple has no stable text) counted the chunk's other
columns first: the state's rows were 103 of 3. The check before counting now looks at the values
counted so far as well."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import streaming
from ctloop.errors import DriftError


def test_a_chunk_pushing_an_exact_tuple_into_hash_buckets_is_refused_with_the_state_unchanged():
    state = streaming.DriftState(max_categories=64)
    state.update(
        pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": pd.Series([("x", 1), "p", "q"], dtype=object)})
    )
    rows = (
        state.rows,
        state.columns["a"].rows,
        state.columns["b"].rows,
        state.columns["a"].numeric.n,
    )
    chunk = pd.DataFrame(
        {
            "a": np.arange(100, dtype=float),
            "b": pd.Series([f"v{i}" for i in range(100)], dtype=object),
        }
    )
    with pytest.raises(
        DriftError, match=r"^column 'b': more than 64 distinct values .*\('x', 1\) of type tuple"
    ):
        state.update(chunk)
    assert (
        state.rows,
        state.columns["a"].rows,
        state.columns["b"].rows,
        state.columns["a"].numeric.n,
    ) == rows
    assert state.columns["b"].categories.counts == {("x", 1): 1, "p": 1, "q": 1}


def test_a_chunk_below_the_limit_still_counts_a_tuple_exactly():
    state = streaming.DriftState(max_categories=64)
    state.update(pd.DataFrame({"b": pd.Series([("x", 1), "p"], dtype=object)}))
    state.update(pd.DataFrame({"b": pd.Series(["p", "q"], dtype=object)}))
    assert state.columns["b"].categories.counts == {("x", 1): 1, "p": 2, "q": 1}
