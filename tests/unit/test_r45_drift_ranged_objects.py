"""An int64/float64 column past ``--sketch-size`` distinct values followed by plain numbers stored
as objects (a chunk, or a merged state) was refused — ``column 'd' holds numbers stored as objects
in this chunk (object) but more than 64 distinct numbers (too many to re-count as objects) before
(float64)`` — while the reverse order was read. One pass of such a side is one object column of
numbers (categorical, until Decimals come). The state now goes on as that object column with the
sketch's value ranges, as a numeric side past its sketch is compared as categories: both sides
meet on the sketch's grid, the score is a lower bound for Jensen-Shannon (``approximate``), and the
decision is one pass's on drifting and on undrifting data. Decimals after it make it numeric
(from the same sketch); text after it is refused in one line, the state unchanged.
fix45c: that refusal's words (it said "holds object values that are not all plain numbers in this
chunk but more than 64 distinct numbers (too many to re-count as objects) before (known only as
value ranges)"); a seed per test."""

from __future__ import annotations

import decimal
import json

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, streaming
from ctloop.errors import DriftError


def _floats(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame({"d": rng.integers(0, 100, n) / 2})  # 100 distinct values, past 64


def _ints(rng: np.random.Generator, n: int, high: int = 50) -> pd.DataFrame:
    return pd.DataFrame({"d": pd.Series([int(v) for v in rng.integers(0, high, n)], dtype=object)})


def _saved(state: streaming.DriftState) -> streaming.DriftState:
    return streaming.DriftState.from_dict(json.loads(json.dumps(state.to_dict())))


def _small() -> streaming.DriftState:
    return streaming.DriftState(sketch_size=64)


@pytest.mark.parametrize("high", [50, 0], ids=["drifted", "not-drifted"])
@pytest.mark.parametrize("order", ["chunks", "merge", "merge-reversed"])
def test_numbers_as_objects_after_a_float64_column_past_its_sketch_give_the_one_pass_decision(
    order, high
):
    rng = np.random.default_rng(45)
    floats, ints = _floats(rng, 4000), _ints(rng, 2000)
    # drifted: the window holds the ints alone; not drifted: the same mix (one object column)
    current = (
        _ints(rng, 2000, high)
        if high == 50
        else pd.concat([_floats(rng, 4000), _ints(rng, 2000)], ignore_index=True)
    )
    one_pass = engine.detect(pd.concat([floats, ints], ignore_index=True), current).columns[0]
    if order == "chunks":
        state = _small().update(floats)
        state.update(ints)
    elif order == "merge":
        state = _saved(_small().update(floats)).merge(_small().update(ints))
    else:
        state = _small().update(ints).merge(_saved(_small().update(floats)))
    col = streaming.compare(_saved(state), _small().update(current)).columns[0]
    assert (col.kind, col.method, col.drifted) == (one_pass.kind, one_pass.method, one_pass.drifted)
    assert (one_pass.method, one_pass.drifted) == ("jensenshannon", high == 50)
    assert col.approximate and "value ranges" in col.detail
    assert col.score <= one_pass.score + 1e-12  # merged buckets only shrink Jensen-Shannon


def test_decimals_after_make_it_numeric_and_text_after_is_refused():
    rng = np.random.default_rng(46)
    state = _small().update(_floats(rng, 600))
    state.update(_ints(rng, 300))
    assert state.columns["d"].kind() == "categorical"
    rows = state.rows
    with pytest.raises(DriftError, match=r"column 'd' holds text or other objects in this chunk \(object\) but, "
                                         r"before it, more than 64 distinct numbers known only as value ranges"):  # fmt: skip
        state.update(pd.DataFrame({"d": pd.Series(["x", 1] * 5, dtype=object)}))
    assert state.rows == rows
    with pytest.raises(DriftError, match="cannot merge drift states: column 'd'"):
        state.merge(_small().update(pd.DataFrame({"d": pd.Series(["x"] * 10, dtype=object)})))
    state.update(pd.DataFrame({"d": pd.Series([decimal.Decimal("1.25")] * 10, dtype=object)}))
    assert (state.columns["d"].kind(), state.columns["d"].numeric.n) == ("numeric", 910)
