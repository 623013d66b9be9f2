"""A drift state written before fix43c2 (version 3) is refused, not compared wrongly.

Until fix43c int64/float64 chunks followed by Decimals were recorded as family float, type
``float64``; fix43c made them an object column of numbers and re-counts a float64 state as objects
when plain numbers stored as objects come (``ColumnState.as_counts``). A version-3 state of
float64 then Decimals, loaded by fix43c and given a chunk of ints stored as objects, scored
``categorical chisquare 0`` (DRIFT) where one pass of the same rows says ``numeric ks 0.4766``:
the state version is now 4 and a version-3 state is refused with what to do.
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


def _written_before_fix43c() -> dict:
    """The version-3 state fix43c's parent (998cd324) wrote for float64 then Decimals: family
    float, type float64 (fix43c writes type object)."""
    rng = np.random.default_rng(7)
    state = streaming.DriftState().update(pd.DataFrame({"p": rng.normal(100, 5, 60)}))
    data = json.loads(json.dumps(state.to_dict()))
    data["version"] = 3
    return data


def test_a_version_3_state_is_refused_with_what_to_do():
    with pytest.raises(
        DriftError,
        match=r"^drift state version 3 is not supported \(this ctloop reads versions 4 and 5\); "
        r"recompute the state with this version$",
    ):
        streaming.DriftState.from_dict(_written_before_fix43c())


def test_float64_then_decimals_then_object_ints_round_trips_to_the_one_pass_verdict():
    rng = np.random.default_rng(8)
    f64 = pd.Series(rng.normal(100, 5, 60))
    dec = pd.Series([D(f"{x:.2f}") for x in rng.normal(100, 5, 60)], dtype=object)
    oints = pd.Series([int(x) for x in rng.integers(90, 111, 60)], dtype=object)
    ref = pd.Series([D(f"{x:.2f}") for x in rng.normal(100, 5, 150)], dtype=object)
    one = engine.detect(
        pd.DataFrame({"p": ref}),
        pd.DataFrame({"p": pd.concat([f64, dec, oints], ignore_index=True)}),
    )
    saved = (
        streaming.DriftState()
        .update(pd.DataFrame({"p": f64}))
        .update(pd.DataFrame({"p": dec}))
        .to_dict()
    )
    assert saved["version"] == 4
    assert saved["columns"][0]["type"] == "object"
    state = streaming.DriftState.from_dict(json.loads(json.dumps(saved))).update(
        pd.DataFrame({"p": oints})
    )
    got = streaming.compare(streaming.DriftState().update(pd.DataFrame({"p": ref})), state).columns[
        0
    ]
    assert (
        (got.kind, got.method) == (one.columns[0].kind, one.columns[0].method) == ("numeric", "ks")
    )
    assert got.score == pytest.approx(one.columns[0].score)
