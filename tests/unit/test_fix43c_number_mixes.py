"""Numbers stored as objects, numpy numbers and Decimals give one verdict in any order (fix43c).

After round 43 the streamed and merged verdicts of a column mixing plain ints stored as objects,
int64/Int64/float64 chunks and Decimals depended on chunk and merge order: float64 → object ints
→ Decimals was refused ("holds numbers stored as objects in this chunk (object) but numbers
before (float64)") while Decimals → float64 → object ints was numeric, merging a state of object
ints with one of float64 was refused in both orders, and ``dec.merge(f64)`` was ``object`` but
``f64.merge(dec)`` ``float64``. Every chunk order and merge grouping now gives the one-pass verdict
(``engine.detect`` of the chunks concatenated).
"""

from __future__ import annotations

import decimal
import itertools

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, streaming

D = decimal.Decimal
RNG = np.random.default_rng(4303)


def _decimals(n: int) -> pd.Series:
    return pd.Series([D(f"{x:.2f}") for x in RNG.normal(100, 5, n)], dtype=object)


def _object_ints(n: int) -> pd.Series:
    return pd.Series([int(x) for x in RNG.integers(90, 111, n)], dtype=object)


def _float64(n: int) -> pd.Series:
    return pd.Series(RNG.normal(100, 5, n))


def _int64(n: int) -> pd.Series:
    return pd.Series(RNG.integers(90, 111, n))


def _nullable_ints(n: int) -> pd.Series:
    values = pd.Series(RNG.integers(90, 111, n)).astype("Int64")
    values[4] = pd.NA
    return values


MAKERS = {
    "oints": _object_ints,
    "f64": _float64,
    "i64": _int64,
    "Int64": _nullable_ints,
    "dec": _decimals,
}
MIXES = [
    "oints,f64,dec",
    "oints,i64,dec",
    "oints,Int64,dec",
    "oints,f64",
    "oints,i64",
    "f64,dec",
    "i64,dec",
]


def _verdict(result: engine.DriftResult) -> tuple:
    col = result.columns[0]
    return col.kind, col.method, round(col.score, 9), col.drifted


def _state(*chunks: pd.Series) -> streaming.DriftState:
    state = streaming.DriftState()
    for chunk in chunks:
        state.update(pd.DataFrame({"p": chunk}))
    return streaming.DriftState.from_dict(state.to_dict())


def _groupings(parts: list[streaming.DriftState]):
    """Every way to merge ``parts`` in this order (left and right folds for three)."""
    if len(parts) == 1:
        yield parts[0]
        return
    for cut in range(1, len(parts)):
        for left in _groupings(parts[:cut]):
            for right in _groupings(parts[cut:]):
                yield left.merge(right)


@pytest.mark.parametrize("mix", MIXES)
def test_every_chunk_order_and_merge_grouping_gives_the_one_pass_verdict(mix):
    chunks = [MAKERS[name](60) for name in mix.split(",")]
    reference = _decimals(150) if "dec" in mix else pd.concat([_object_ints(60), _object_ints(60)])
    ref_state = _state(reference)
    for order in itertools.permutations(chunks):
        one_pass = _verdict(
            engine.detect(
                pd.DataFrame({"p": reference}),
                pd.DataFrame({"p": pd.concat(order, ignore_index=True)}),
            )
        )
        assert _verdict(streaming.compare(ref_state, _state(*order))) == one_pass
        for merged in _groupings([_state(chunk) for chunk in order]):
            assert _verdict(streaming.compare(ref_state, merged)) == one_pass


def test_a_decimal_among_numpy_numbers_makes_the_type_object_in_either_merge_order():
    decimals, floats = _state(_decimals(40)), _state(_float64(40))
    assert decimals.merge(floats).columns["p"].type == "object"
    assert floats.merge(decimals).columns["p"].type == "object"
    assert _state(_int64(40), _decimals(40)).columns["p"].type == "object"


def test_object_ints_after_too_many_distinct_floats_are_read_as_value_ranges():
    # refused until round 45 ("more than 64 distinct numbers (too many to re-count as objects)");
    # now an object column counted in the sketch's value ranges (test_r45_drift_ranged_objects.py)
    many = pd.Series(RNG.normal(100, 5, 200))
    state = streaming.DriftState(sketch_size=64, max_categories=64)
    state.update(pd.DataFrame({"p": many}))
    state.update(pd.DataFrame({"p": _object_ints(20)}))
    assert (state.columns["p"].type, state.columns["p"].kind()) == ("object", "categorical")
    objects = streaming.DriftState(sketch_size=64, max_categories=64).update(
        pd.DataFrame({"p": _object_ints(20)})
    )
    assert objects.merge(state).columns["p"].kind() == "categorical"
