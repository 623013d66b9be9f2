"""A drift state of plain numbers stored as objects takes a later Arrow number chunk (round 47).

After a pandas chunk of Python floats (an object column: a frame built from rows, a JSON load), a
pandas float64 chunk joined the column as ``pandas.concat`` of both does (one object column,
counted as such), but the same values as an Arrow double or int64 chunk (a Parquet file of the
same side) were refused: "column 'x' holds numbers in this chunk (double) but numbers stored as
objects before (object)". One rule for both kinds of chunk: the Arrow chunk is counted as the
pandas one.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ctloop.drift import streaming


def _objects(values) -> pd.DataFrame:
    return pd.DataFrame({"x": pd.Series(list(values), dtype=object)})


@pytest.mark.parametrize("kind", ["double", "int64", "double_with_nulls"])
def test_an_arrow_number_chunk_counts_as_the_pandas_one(kind):
    rng = np.random.default_rng(5)
    first = _objects(rng.integers(0, 8, 200).astype(float))
    later = rng.integers(0, 8, 100)
    values = later.astype(float) if kind != "int64" else later
    mask = np.zeros(len(values), dtype=bool)
    if kind == "double_with_nulls":
        mask[::7] = True
    arrow = pa.table({"x": pa.array(values, mask=mask)})
    frame = arrow.to_pandas()
    via_arrow = streaming.DriftState().update(first).update(arrow)
    via_pandas = streaming.DriftState().update(first).update(frame)
    assert json.dumps(via_arrow.to_dict(), sort_keys=True, default=str) == json.dumps(
        via_pandas.to_dict(), sort_keys=True, default=str)
    assert via_arrow.columns["x"].rows == 300
