"""Object columns of Decimals and plain numbers, chunk by chunk and merged (round 43).

* ``Decimal('sNaN')`` (a signaling NaN: pandas' own ``isna`` raises on it) made ``detect`` and
  ``DriftState.update`` fail with a bare ``decimal.InvalidOperation``; it is now refused in one
  line naming the column and the value (``DriftError``, exit 2 from the CLI), ``Decimal('NaN')``
  staying a missing value.
* ints stored as objects, then a float64 chunk, then Decimals were refused chunk by chunk
  ("holds numbers in this chunk (float64) but numbers stored as objects before") though one
  pass of the chunks concatenated compares them as numbers.
* a state of Decimals merged with a state of plain numbers stored as objects was refused
  ("column 'p' is object in one and object in the other").
"""

from __future__ import annotations

import decimal

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, streaming
from ctloop.errors import DriftError

D = decimal.Decimal
RNG = np.random.default_rng(43)


def _decimals(n: int, mean: float = 100) -> pd.Series:
    return pd.Series([D(f"{x:.2f}") for x in RNG.normal(mean, 5, n)], dtype=object)


def _object_ints(n: int) -> pd.Series:
    return pd.Series([int(x) for x in RNG.integers(90, 111, n)], dtype=object)


def _row(result: engine.DriftResult) -> tuple:
    col = result.columns[0]
    return col.kind, col.method, round(col.score, 12), col.drifted


def _state(*chunks: pd.Series) -> streaming.DriftState:
    state = streaming.DriftState()
    for chunk in chunks:
        state.update(pd.DataFrame({"p": chunk}))
    return streaming.DriftState.from_dict(state.to_dict())


@pytest.mark.parametrize("where", ["detect", "state"])
def test_signaling_nan_is_refused_naming_column_and_value(where):
    cur = _decimals(50)
    cur[3] = D("sNaN")
    frame = pd.DataFrame({"price": cur})
    with pytest.raises(DriftError) as err:
        if where == "detect":
            engine.detect(pd.DataFrame({"price": _decimals(50)}), frame)
        else:
            streaming.DriftState().update(frame)
    assert (
        "'price'" in str(err.value)
        and "Decimal('sNaN')" in str(err.value)
        and "\n" not in str(err.value)
    )


def test_signaling_nan_among_text_is_refused_too():
    col = pd.Series(["a", "b", D("-sNaN")], dtype=object)
    with pytest.raises(DriftError, match=r"column 'c' holds Decimal\('-sNaN'\)"):
        engine.detect(pd.DataFrame({"c": ["a", "b", "b"]}), pd.DataFrame({"c": col}))


def test_quiet_nan_decimal_stays_missing():
    ref, cur = _decimals(50), _decimals(50)
    cur[3] = D("NaN")
    as_none = cur.copy()
    as_none[3] = None
    got = engine.detect(pd.DataFrame({"p": ref}), pd.DataFrame({"p": cur}))
    assert _row(got) == _row(engine.detect(pd.DataFrame({"p": ref}), pd.DataFrame({"p": as_none})))
    state = _state(cur).columns["p"]
    assert (state.rows, state.nulls, state.values) == (50, 1, 49)


def test_object_ints_then_floats_then_decimals_stream_as_one_pass():
    chunks = [_object_ints(60), pd.Series(RNG.normal(100, 5, 60)), _decimals(60)]
    ref = _decimals(150)
    one_pass = engine.detect(
        pd.DataFrame({"p": ref}), pd.DataFrame({"p": pd.concat(chunks, ignore_index=True)})
    )
    assert one_pass.columns[0].kind == "numeric"
    assert _row(streaming.compare(_state(ref), _state(*chunks))) == _row(one_pass)


def test_object_ints_then_floats_without_decimals_stay_categorical_as_one_pass():
    chunks = [_object_ints(60), pd.Series(RNG.integers(90, 111, 60).astype(float))]
    ref = pd.concat([_object_ints(60), _object_ints(60)], ignore_index=True)
    one_pass = engine.detect(
        pd.DataFrame({"p": ref}), pd.DataFrame({"p": pd.concat(chunks, ignore_index=True)})
    )
    assert one_pass.columns[0].kind == "categorical"
    assert _row(streaming.compare(_state(ref), _state(*chunks))) == _row(one_pass)


@pytest.mark.parametrize("decimals_first", [True, False], ids=["decimals-first", "numbers-first"])
def test_decimal_state_merges_with_object_number_state(decimals_first):
    dec, ints = _decimals(80), _object_ints(80)
    parts = (dec, ints) if decimals_first else (ints, dec)
    merged = _state(parts[0]).merge(_state(parts[1]))
    ref = _decimals(150)
    one_pass = engine.detect(
        pd.DataFrame({"p": ref}), pd.DataFrame({"p": pd.concat(parts, ignore_index=True)})
    )
    assert one_pass.columns[0].kind == "numeric"
    assert _row(streaming.compare(_state(ref), merged)) == _row(one_pass)


def test_decimal_state_against_text_state_names_what_each_holds():
    text = pd.Series(["a", "b"] * 20, dtype=object)
    with pytest.raises(DriftError) as err:
        _state(_decimals(40)).merge(_state(text))
    assert "object in one and object in the other" not in str(err.value)
    assert "Decimals" in str(err.value) and "text" in str(err.value)
