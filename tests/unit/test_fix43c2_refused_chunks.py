"""A refused chunk changes nothing, and a first chunk's refusal names its row label (fix43c2).

fix43c turned an int64/float64 column's type to ``object`` before adding a chunk of Decimals
that could still be refused (``10**400``), so the state was left half-changed (type object, its
rows counted, the side's not); a column refused after an earlier column of the same chunk was
added left that one changed. Every column of a chunk is now checked before any is changed.

fix43c also named a first chunk's ``Decimal('sNaN')`` or ``10**400`` by its position (``row 2``)
where ``detect`` names the index label (``index label 102`` since review 61 M3); a first chunk is named by its
labels again, later chunks by the row across the side's chunks (from 1, ``contract.row_said``).
"""

from __future__ import annotations

import decimal
import json

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, streaming
from ctloop.errors import DriftError

D = decimal.Decimal


def _snapshot(state: streaming.DriftState) -> str:
    return json.dumps(state.to_dict(), sort_keys=True)


@pytest.mark.parametrize("before", ["float64", "int64"])
def test_a_refused_decimal_chunk_leaves_the_state_as_it_was(before):
    state = streaming.DriftState().update(pd.DataFrame({"p": np.arange(10).astype(before)}))
    was = _snapshot(state)
    with pytest.raises(DriftError, match=r"holds 100000000000\.\.\. \(401 digits\) \(row 12\)"):
        state.update(pd.DataFrame({"p": pd.Series([D("1"), 10**400], dtype=object)}))
    assert _snapshot(state) == was
    assert state.columns["p"].type == before


def test_a_chunk_refused_on_a_later_column_leaves_the_earlier_ones_as_they_were():
    state = streaming.DriftState().update(pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 2.0]}))
    was = _snapshot(state)
    with pytest.raises(DriftError, match=r"column 'b' holds text or other objects in this chunk"):
        state.update(pd.DataFrame({"a": [3.0, 4.0], "b": ["x", "y"]}))
    assert _snapshot(state) == was


def test_a_first_chunk_names_the_row_label_as_detect_does():
    ref = pd.DataFrame({"d": [D("1"), D("2"), D("3")]})
    for values, row in (([D("1"), D("2"), D("sNaN")], 102), ([D("1"), 10**400, D("2")], 101)):
        cur = pd.DataFrame({"d": pd.Series(values, dtype=object, index=[100, 101, 102])})
        with pytest.raises(DriftError, match=rf"\(index label {row}\)|, index label {row}\)") as one:
            engine.detect(ref, cur)
        with pytest.raises(DriftError) as streamed:
            streaming.DriftState().update(cur)
        assert str(streamed.value) == str(one.value)


def test_a_later_chunk_names_the_row_across_the_side():
    state = streaming.DriftState().update(
        pd.DataFrame({"d": pd.Series([D("1")] * 5, dtype=object)})
    )
    cur = pd.DataFrame({"d": pd.Series([D("1"), D("sNaN")], dtype=object, index=[100, 101])})
    with pytest.raises(DriftError, match=r"a signaling NaN, row 7\)"):
        state.update(cur)
