"""Every refusal of a chunk comes before anything is stored, and values are converted once (fix43c3).

fix43c2 checked every column of a chunk before applying any, but skipped datetime columns in
the checks: an object column of naive and tz-aware datetimes mixed was refused while the chunk
was applied, after earlier columns had counted its rows (a first chunk, or a column all-null
until this chunk). The checks converted object numbers to float64 and the apply pass converted
them again; a first chunk refused (``10**400``) left its columns declared, so a later chunk with
other columns was refused as "needs the same columns".
"""

from __future__ import annotations

import datetime as dt
import decimal
import fractions
import json

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, streaming
from ctloop.errors import DriftError

UTC = dt.UTC
MIXED = pd.Series([dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, tzinfo=UTC)] * 2, dtype=object)
MIXED_ZONES = (
    r"column 't' holds datetimes that do not make one datetime column \(naive and tz-aware"
)


def _snapshot(state: streaming.DriftState) -> str:
    return json.dumps(state.to_dict(), sort_keys=True)


def test_mixed_zones_after_an_all_null_stretch_leave_the_state_as_it_was():
    state = streaming.DriftState().update(
        pd.DataFrame({"a": [9, 9], "t": pd.Series([None, None], dtype=object)})
    )
    was = _snapshot(state)
    with pytest.raises(DriftError, match=MIXED_ZONES):
        state.update(pd.DataFrame({"a": [1, 2, 3, 4], "t": MIXED}))
    assert _snapshot(state) == was
    assert state.columns["a"].rows == state.rows == 2


def test_a_refused_first_chunk_leaves_no_columns():
    state = streaming.DriftState()
    with pytest.raises(DriftError, match=MIXED_ZONES):
        state.update(pd.DataFrame({"a": [1, 2, 3, 4], "t": MIXED}))
    with pytest.raises(DriftError, match=r"column 'd' holds 10000000000"):
        state.update(pd.DataFrame({"d": pd.Series([decimal.Decimal("1"), 10**400], dtype=object)}))
    assert state.columns == {} and state.rows == 0
    state.update(
        pd.DataFrame({"x": [1.0, 2.0]})
    )  # other columns: a first chunk, as if none came before
    assert list(state.columns) == ["x"] and state.rows == 2


def test_a_declared_state_keeps_its_columns_after_a_refused_chunk():
    state = streaming.DriftState().define(pa_schema())
    with pytest.raises(DriftError):
        state.update(pd.DataFrame({"d": pd.Series([decimal.Decimal("1"), 10**400], dtype=object)}))
    assert list(state.columns) == ["d"]


def pa_schema():
    import pyarrow as pa

    return pa.schema([("d", pa.float64())])


@pytest.mark.parametrize("values", [
    [decimal.Decimal("1.5"), decimal.Decimal("2.5")],
    [dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2024, 1, 2, tzinfo=UTC)],
], ids=["decimals", "datetimes"])  # fmt: skip
def test_an_object_column_is_converted_once_per_chunk(monkeypatch, values):
    state = streaming.DriftState().update(pd.DataFrame({"c": pd.Series(values, dtype=object)}))
    calls = []
    for fn in ("float64_values", "temporal_seconds"):
        real = getattr(engine, fn)
        monkeypatch.setattr(
            engine, fn, lambda s, *a, _real=real, _fn=fn: calls.append(_fn) or _real(s, *a)
        )
    state.update(pd.DataFrame({"c": pd.Series(values * 3, dtype=object)}))
    assert len(calls) == 1
    assert state.columns["c"].rows == 8 and state.columns["c"].numeric.n == 8


@pytest.mark.parametrize("values, numbers", [
    ([1, 2.5, None, np.nan], True), ([np.int64(1), np.float32(2)], True), ([fractions.Fraction(1, 2)], True),
    ([1, True], False), ([np.nan, None], False), ([1, "a"], False), ([decimal.Decimal(1), 1], False),
    ([1, pd.NaT], True), ([1 + 2j], False),
], ids=["py", "numpy", "fraction", "bool", "nulls", "text", "decimal", "nat", "complex"])  # fmt: skip
def test_real_numbers_reads_plain_numbers_and_nothing_else(values, numbers):
    assert streaming.real_numbers(pd.Series(values, dtype=object)) is numbers
