"""Plain numbers stored as objects (a ``pandas.read_sql`` column of Python ints) past
``--max-categories`` distinct values go into hash buckets, which cannot be read back as numbers:
Decimals coming after them (a later chunk or partition of the same SQL ``NUMERIC`` column) were
refused, ``column 'd' holds Decimals in this chunk (object) but objects of more than 64 distinct
values (too many to re-read as numbers) before (object)``, and so was such a merge in both orders,
while the other chunk order (Decimals first) gave one pass's numeric verdict. Now such a column
keeps its values as float64 in a sketch beside the buckets (its ``shadow``, while every value is
a plain number): every chunk order, merge grouping and a JSON round trip give one pass's verdict."""

from __future__ import annotations

import decimal
import json

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, streaming

LIMIT = 64  # --max-categories


def _ints(n: int, seed: int) -> pd.DataFrame:
    values = np.random.default_rng(seed).integers(0, 10**6, n)
    return pd.Series([int(v) for v in values], dtype=object).to_frame("d")


def _decimals(n: int, seed: int, shift: int = 0) -> pd.DataFrame:
    values = np.random.default_rng(seed).integers(0, 10**6, n)
    return pd.Series([decimal.Decimal(int(v) + shift) for v in values], dtype=object).to_frame("d")


def _state(*parts: pd.DataFrame) -> streaming.DriftState:
    state = streaming.DriftState(max_categories=LIMIT)
    for part in parts:
        state.update(part)
    return state


def _verdict(reference: streaming.DriftState, current: pd.DataFrame) -> tuple:
    col = streaming.compare(reference, _state(current)).columns[0]
    return col.kind, col.method, col.score, col.drifted


@pytest.mark.parametrize("shift", [0, 300_000], ids=["same", "shifted"])
def test_decimals_after_hashed_object_numbers_give_the_one_pass_verdict(shift):
    ints, decs, current = _ints(300, 1), _decimals(100, 2), _decimals(400, 3, shift)
    one = engine.detect(pd.concat([ints, decs], ignore_index=True), current).columns[0]
    expected = (one.kind, one.method, one.score, one.drifted)
    assert expected[:2] == ("numeric", "ks")
    a, b = _state(ints), _state(decs)
    assert a.columns["d"].categories.hashed  # 300 distinct ints past the 64 exact counts
    assert _verdict(_state(ints, decs), current) == expected  # refused before
    assert _verdict(_state(decs, ints), current) == expected  # read before too
    assert _verdict(a.merge(b), current) == expected  # both merge orders refused before
    assert _verdict(_state(decs).merge(_state(ints)), current) == expected
    saved = streaming.DriftState.from_dict(json.loads(json.dumps(_state(ints).to_dict())))
    assert _verdict(saved.update(decs), current) == expected
    # a float64 chunk joining the hashed object numbers (more counts in the buckets), then Decimals
    floats = pd.DataFrame({"d": np.random.default_rng(4).integers(0, 10**6, 50).astype(float)})
    one = engine.detect(
        pd.concat([ints, floats.astype(object), decs], ignore_index=True), current
    ).columns[0]
    assert _verdict(_state(ints, floats, decs), current) == (
        one.kind,
        one.method,
        one.score,
        one.drifted,
    )


def test_a_state_saved_with_exact_counts_rebuilds_its_numbers():
    ints, decs, current = _ints(300, 1), _decimals(100, 2), _decimals(400, 3)
    first = streaming.DriftState.from_dict(json.loads(json.dumps(_state(ints.iloc[:40]).to_dict())))
    assert (
        not first.columns["d"].categories.hashed and "shadow" not in first.to_dict()["columns"][0]
    )
    first.update(ints.iloc[40:]).update(decs)  # hashed after the round trip, then Decimals
    one = engine.detect(pd.concat([ints, decs], ignore_index=True), current).columns[0]
    assert _verdict(first, current) == (one.kind, one.method, one.score, one.drifted)


def test_text_among_the_objects_still_refuses_decimals():
    text = pd.Series([f"code {i}" for i in range(100)], dtype=object).to_frame("d")
    state = _state(_ints(300, 1), text)
    assert state.columns["d"].shadow is None  # not numbers any more: no sketch kept
    with pytest.raises(Exception, match="column 'd' holds Decimals in this chunk"):
        state.update(_decimals(10, 2))
