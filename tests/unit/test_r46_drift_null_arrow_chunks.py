"""Round 46, drift: an all-null Arrow chunk of another type is an empty stretch in the streamed
engine (a pandas chunk of nulls already was), also after a value-ranged column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ctloop.drift import streaming
from ctloop.errors import DriftError


# --------------------------------------------------------------- all-null Arrow chunks
@pytest.mark.parametrize(
    "first, empty",
    [
        (pa.array(np.linspace(0, 1, 50)), pa.array([None] * 5, pa.string())),
        (pa.array(np.arange(50)), pa.array([None] * 5, pa.large_string())),
        (pa.array(["a", "b"] * 25), pa.array([None] * 5, pa.float64())),
        (pa.array(np.linspace(0, 1, 50)), pa.array([None] * 5, pa.timestamp("us"))),
    ],
    ids=[
        "double-then-null-string",
        "int-then-null-large-string",
        "string-then-null-double",
        "double-then-null-timestamp",
    ],  # fmt: skip
)
def test_an_all_null_arrow_chunk_of_another_type_is_an_empty_stretch(first, empty):
    # was refused: "column 'x' holds text in this chunk (string) but numbers before (double)";
    # the same chunks as pandas frames were counted as nulls
    arrow = streaming.DriftState().update(pa.table({"x": first})).update(pa.table({"x": empty}))
    frames = streaming.DriftState().update(pa.table({"x": first}).to_pandas())
    frames.update(pa.table({"x": empty}).to_pandas())
    for state in (arrow, frames):
        col = state.columns["x"]
        assert (col.rows, col.nulls) == (55, 5)
    assert arrow.columns["x"].family == streaming.arrow_family(first.type)  # the values' type, kept


def test_an_all_null_arrow_string_chunk_after_a_value_ranged_column():
    rng = np.random.default_rng(11)
    state = streaming.DriftState(sketch_size=64)
    state.update(pd.DataFrame({"x": rng.normal(size=500)}))
    state.update(pd.DataFrame({"x": pd.Series([1.5, 2.5, None], dtype=object)}))
    assert state.columns["x"].ranged
    state.update(pa.table({"x": pa.array([None, None], pa.string())}))
    assert (state.columns["x"].rows, state.columns["x"].nulls) == (505, 3)


def test_a_column_empty_so_far_is_typed_by_its_first_arrow_values():
    # a first file whose string column holds only nulls, then numbers: typed by the numbers
    state = streaming.DriftState().update(pa.table({"x": pa.array([None] * 3, pa.string())}))
    state.update(pa.table({"x": pa.array([0.5, 1.5])}))
    col = state.columns["x"]
    assert (col.family, col.rows, col.nulls) == (streaming.FLOAT, 5, 3)
    with pytest.raises(
        DriftError, match="holds text in this chunk"
    ):  # real text after numbers: still refused
        state.update(pa.table({"x": pa.array(["a", None])}))
    assert state.columns["x"].rows == 5  # the refused chunk changed nothing
