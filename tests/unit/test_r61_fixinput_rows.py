"""Review 61 M3: refusals of a Python frame's value (the drift engine's signalling NaN and beyond-float ints) named
the frame's index label as ``row {label!r}`` (``row 4`` for the 5th row of a default index, ``row Timestamp(...)``
for a dated one) and the stream engine counted chunks' rows from 0, while every other refusal counts from 1
(``contract.row_said``). One rule now (``engine.rows_named``): ``row N`` from 1 for pandas' default index and across
a stream's chunks, ``index label X`` for an index of the user's own."""

from __future__ import annotations

import decimal

import pandas as pd
import pytest

from ctloop.drift import engine, streaming
from ctloop.errors import DriftError

D = decimal.Decimal


def _values(bad, n: int = 8, at: int = 4) -> list:
    return [bad if i == at else D(i) for i in range(n)]


@pytest.mark.parametrize("bad, said", [(D("sNaN"), "a signaling NaN, {}"), (10**400, "(401 digits) ({})")])
def test_a_default_index_is_named_by_its_row_from_1(bad, said):
    ref = pd.DataFrame({"d": _values(D(1))})
    cur = pd.DataFrame({"d": pd.Series(_values(bad), dtype=object)})
    with pytest.raises(DriftError) as refused:
        engine.detect(ref, cur)
    assert said.format("row 5") in str(refused.value), refused.value
    with pytest.raises(DriftError) as streamed:
        streaming.DriftState().update(cur)
    assert str(streamed.value) == str(refused.value)


@pytest.mark.parametrize("bad, said", [(D("sNaN"), "a signaling NaN, {}"), (10**400, "(401 digits) ({})")])
def test_an_index_of_the_users_own_is_named_by_its_label(bad, said):
    days = pd.date_range("2026-01-01", periods=8, freq="D")
    ref = pd.DataFrame({"d": _values(D(1))})
    cur = pd.DataFrame({"d": pd.Series(_values(bad), dtype=object, index=days)})
    with pytest.raises(DriftError) as refused:
        engine.detect(ref, cur)
    assert said.format(f"index label {days[4]!r}") in str(refused.value), refused.value


def test_a_later_chunk_counts_from_1_across_the_side():
    state = streaming.DriftState().update(pd.DataFrame({"d": pd.Series(_values(D(1), n=10), dtype=object)}))
    with pytest.raises(DriftError, match=r"a signaling NaN, row 15\)"):
        state.update(pd.DataFrame({"d": pd.Series(_values(D("sNaN")), dtype=object)}))
