"""An object column of ``decimal.Decimal`` values — what ``pandas.read_sql`` returns for a SQL
``NUMERIC``/``DECIMAL`` column — was categorical in both engines' Python API: every distinct
price a category, so two samples of one distribution drifted (chisquare p = 0). A Parquet
decimal column read by ctloop is float64 (numeric); the object column is now compared the same
way, in ``detect`` and in chunked, merged and restored ``DriftState`` s (round 42)."""

from __future__ import annotations

import decimal

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, streaming

RNG = np.random.default_rng(11)


def _prices(mean: float, n: int = 300) -> pd.Series:
    values = [decimal.Decimal(f"{x:.2f}") for x in RNG.normal(mean, 5, n)]
    values[7] = None
    return pd.Series(values, dtype=object)


def _row(result: engine.DriftResult) -> tuple:
    col = result.columns[0]
    return col.kind, col.method, round(col.score, 12), col.drifted


@pytest.mark.parametrize(("ref_mean", "cur_mean", "drifted"), [(100, 100, False), (100, 104, True)],
                         ids=["same", "shifted"])  # fmt: skip
def test_decimal_objects_are_compared_as_numbers(ref_mean, cur_mean, drifted):
    ref, cur = pd.DataFrame({"price": _prices(ref_mean)}), pd.DataFrame({"price": _prices(cur_mean)})
    as_float = engine.detect(ref.astype(float), cur.astype(float))
    got = engine.detect(ref, cur)
    assert _row(got) == _row(as_float)
    assert got.columns[0].kind == "numeric" and got.columns[0].drifted is drifted
    states = []
    for side in (ref, cur):
        state = streaming.DriftState()
        for part in np.array_split(np.arange(len(side)), 3):
            state.update(side.iloc[part])
        states.append(streaming.DriftState.from_dict(state.to_dict()))
    assert _row(streaming.compare(*states)) == _row(got)


def test_decimal_objects_against_floats_on_the_other_side():
    ref, cur = pd.DataFrame({"price": _prices(100)}), pd.DataFrame({"price": RNG.normal(100, 5, 300)})
    for a, b in ((ref, cur), (cur, ref)):
        got = engine.detect(a, b)
        assert _row(got) == _row(engine.detect(a.astype(float), b.astype(float)))
