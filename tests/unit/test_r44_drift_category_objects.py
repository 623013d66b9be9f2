"""A pandas ``category`` chunk meeting an object chunk (or bools) of the same column: one pass of
the rows (``pandas.concat``, the memory engine) compares them as one object column, but chunk by
chunk ``DriftState.update`` refused it, ``column 'c' holds text or other objects in this chunk
(object) but categories before (category)``, in both orders, and so did a merge of such states (a
frame read from a Parquet file written from a ``category`` column, next to one that was not).
Now ``bool``, ``category`` and ``object`` chunks and states join as one object column, counting
the same values."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, streaming

RNG = np.random.default_rng(0)
CATEGORY = pd.DataFrame({"c": pd.Categorical(RNG.choice(list("abc"), 100))})
OBJECTS = pd.DataFrame({"c": RNG.choice(list("abc"), 100).astype(object)})
BOOLS = pd.DataFrame({"c": RNG.random(100) < 0.5})
CURRENT = pd.DataFrame({"c": RNG.choice(list("abc"), 200).astype(object)})


@pytest.mark.parametrize(
    "parts",
    [(CATEGORY, OBJECTS), (OBJECTS, CATEGORY), (CATEGORY, BOOLS), (BOOLS, CATEGORY)],
    ids=["category-objects", "objects-category", "category-bools", "bools-category"],
)
def test_category_and_object_chunks_are_one_object_column(parts):
    one = engine.detect(pd.concat(parts, ignore_index=True), CURRENT).columns[0]
    state = streaming.DriftState()
    for part in parts:
        state.update(part)  # refused before
    saved = json.loads(json.dumps(streaming.DriftState().update(parts[1]).to_dict()))
    merged = streaming.DriftState().update(parts[0]).merge(streaming.DriftState.from_dict(saved))
    for reference in (state, merged):
        col = streaming.compare(reference, streaming.DriftState().update(CURRENT)).columns[0]
        assert (col.kind, col.method) == (one.kind, one.method) == ("categorical", "chisquare")
        assert col.score == pytest.approx(
            one.score, rel=1e-12
        )  # the counts summed in another order
