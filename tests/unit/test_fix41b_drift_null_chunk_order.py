"""An all-missing chunk says nothing about a column's type: the streaming engine counts it as
nulls whatever order it comes in. An all-NaN float64 chunk (a CSV block or Parquet batch of
empty values) after a chunk of dates or text was refused ("float64 in this chunk but object
(date) before"), while the same chunks in the other order were accepted (review B, finding 3).
Only between numeric chunks does an all-NaN float chunk still widen an int column to float, as
pandas' concat does."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, streaming

DAYS = [dt.date(2024, 1, i) for i in range(1, 31)]
EMPTY = pd.DataFrame({"d": [np.nan] * 7})


@pytest.mark.parametrize("values", [DAYS, [f"v{i % 4}" for i in range(30)]], ids=["dates", "text"])
def test_an_all_nan_float_chunk_is_nulls_in_either_order(values):
    full = pd.DataFrame({"d": pd.Series(values, dtype=object)})
    reference = pd.DataFrame({"d": pd.Series(values[::-1], dtype=object)})
    results = []
    for chunks in ([full, EMPTY], [EMPTY, full]):
        state = streaming.DriftState()
        for chunk in chunks:
            state.update(chunk)
        col = state.columns["d"]
        assert (col.rows, col.nulls, col.values) == (37, 7, 30)
        results.append(streaming.compare(streaming.DriftState().update(reference), state, columns=["d"]))
    a, b = results
    assert (a.columns[0].kind, a.columns[0].score) == (b.columns[0].kind, b.columns[0].score)
    exact = engine.detect(reference, pd.concat([full, pd.DataFrame({"d": [None] * 7})], ignore_index=True),
                          columns=["d"])
    assert a.columns[0].kind == exact.columns[0].kind
    assert a.columns[0].score == pytest.approx(exact.columns[0].score, rel=1e-9)


def test_an_all_nan_float_chunk_still_widens_an_int_column():
    state = streaming.DriftState().update(pd.DataFrame({"d": np.arange(30)}))
    state.update(EMPTY)
    assert state.columns["d"].family == "float"
