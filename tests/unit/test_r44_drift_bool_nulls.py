"""An Arrow bool column with a null reads into pandas as an object column of booleans and None;
without one, as ``bool``. Chunk by chunk (the monitoring window's log batches, ``DriftState.update``
on frames) a bool feature whose later batch held a null was refused, ``column 'b' holds text or
other objects in this chunk (object) but booleans before (bool)``, and so was a merge of such
states, where one pass of the rows (``pandas.concat``, the memory engine) compares them as the one
categorical column they are. Now such an object chunk is booleans, and booleans meeting other
objects (text) are one object column, as ``pandas.concat`` makes them: every chunk order, merge and
the window give one pass's verdict."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ctloop.drift import engine, streaming
from ctloop.monitoring import window as W


def _bools(values: list) -> pd.DataFrame:
    return pa.table({"b": pa.array(values, pa.bool_())}).to_pandas()  # as a log batch reads


def _verdict(reference: streaming.DriftState, current: pd.DataFrame) -> tuple:
    col = streaming.compare(reference, streaming.DriftState().update(current)).columns[0]
    return col.kind, col.method, col.score


@pytest.mark.parametrize("order", ["plain-first", "nulls-first"])
def test_bools_with_nulls_join_bools_as_one_pass_does(order):
    rng = np.random.default_rng(0)
    plain = _bools((rng.random(100) < 0.5).tolist())
    nulls = _bools([True, None, False] * 33 + [True])
    assert (plain.b.dtype, nulls.b.dtype) == (np.dtype(bool), np.dtype(object))
    parts = (plain, nulls) if order == "plain-first" else (nulls, plain)
    current = _bools((rng.random(200) < 0.3).tolist())
    one = engine.detect(pd.concat(parts, ignore_index=True), current).columns[0]
    expected = (one.kind, one.method, one.score)
    assert expected[:2] == ("categorical", "z")
    state = streaming.DriftState()
    for part in parts:
        state.update(part)  # the second chunk was refused
    assert _verdict(state, current) == expected
    saved = json.loads(json.dumps(streaming.DriftState().update(parts[1]).to_dict()))
    merged = streaming.DriftState().update(parts[0]).merge(streaming.DriftState.from_dict(saved))
    assert _verdict(merged, current) == expected


def test_the_monitoring_window_takes_a_bool_feature_with_a_null_in_a_later_batch():
    end = pd.Timestamp("2026-01-05T01:00:00Z")
    spec = W.WindowSpec(end - pd.Timedelta("2h"), end, end - pd.Timedelta("1D"), end - pd.Timedelta("1D"),
                        features=("b",))  # fmt: skip
    times = [end - pd.Timedelta(minutes=i) for i in range(6)]
    state = W.WindowState(spec).update(_bools([True, False] * 3).assign(_time=times))
    state.update(_bools([True, None, False] * 2).assign(_time=times))  # DriftError before
    assert state.present == {"b": 10} and state.drift.columns["b"].categories.counts == {
        True: 5,
        False: 5,
    }


@pytest.mark.parametrize("order", ["bools-first", "text-first"])
def test_bools_then_other_objects_are_one_object_column_as_in_one_pass(order):
    # a bool chunk and an object chunk of text: pandas.concat makes one object column (refused before)
    bools, text = (
        _bools([True, False, True] * 20),
        pd.DataFrame({"b": pd.Series(["yes", None] * 30, dtype=object)}),
    )
    parts = (bools, text) if order == "bools-first" else (text, bools)
    current = pd.DataFrame({"b": pd.Series(["yes", True, False] * 30, dtype=object)})
    one = engine.detect(pd.concat(parts, ignore_index=True), current).columns[0]
    state = streaming.DriftState()
    for part in parts:
        state.update(part)
    assert _verdict(state, current) == (one.kind, one.method, one.score)
    merged = streaming.DriftState().update(parts[0]).merge(streaming.DriftState().update(parts[1]))
    assert _verdict(merged, current) == (one.kind, one.method, one.score)
