"""Refusals of object number columns name what they hold and where (fix43c).

* merging a state of ints stored as objects past ``max_categories`` (hash buckets) with a state
  of Decimals said the ints were "text or other objects"; it now says, as the chunk path does,
  "objects of more than N distinct values (too many to re-read as numbers)".
* a plain ``int`` beyond float64's range (``10**400``) among Decimals failed ``detect`` and
  ``DriftState.update`` with a bare ``OverflowError``; it is one ``DriftError`` line naming the
  column and the value.
* ``Decimal('sNaN')`` in a second chunk was reported at its row within the chunk; the row is now
  counted across chunks (the row of the chunks concatenated, as ``detect`` names it).
"""

from __future__ import annotations

import decimal

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, streaming
from ctloop.errors import DriftError

D = decimal.Decimal
RNG = np.random.default_rng(4312)


def _decimals(n: int) -> pd.Series:
    return pd.Series([D(f"{x:.2f}") for x in RNG.normal(100, 5, n)], dtype=object)


HUGE = "column 'p' holds 100000000000... (401 digits) ({}), an integer beyond float64's range"


@pytest.mark.parametrize("where", ["detect", "one chunk", "objects first", "merged"])
def test_an_int_beyond_float_range_among_decimals_is_one_line(where):
    ints = pd.Series([int(v) for v in RNG.integers(90, 111, 20)], dtype=object)
    ints[3] = 10**400
    mixed = pd.concat([ints, _decimals(20)], ignore_index=True)
    with pytest.raises(DriftError) as err:
        if where == "detect":
            engine.detect(pd.DataFrame({"p": _decimals(40)}), pd.DataFrame({"p": mixed}))
        elif where == "one chunk":
            streaming.DriftState().update(pd.DataFrame({"p": _decimals(5)})).update(
                pd.DataFrame({"p": mixed})
            )
        elif where == "objects first":
            streaming.DriftState().update(pd.DataFrame({"p": ints})).update(
                pd.DataFrame({"p": _decimals(20)})
            )
        else:
            objects = streaming.DriftState().update(pd.DataFrame({"p": ints}))
            objects.merge(streaming.DriftState().update(pd.DataFrame({"p": _decimals(20)})))
    row = {"detect": "row 4", "one chunk": "row 9"}.get(where, "counted before")
    assert str(err.value).startswith(HUGE.format(row)), err.value
    assert "\n" not in str(err.value)


def test_a_signaling_nan_in_a_later_chunk_names_its_row_across_chunks():
    state = streaming.DriftState().update(pd.DataFrame({"c": _decimals(5)}))
    later = _decimals(4)
    later[3] = D("sNaN")
    with pytest.raises(DriftError, match=r"\(a signaling NaN, row 9\)"):
        state.update(pd.DataFrame({"c": later}))
    with pytest.raises(DriftError, match=r"\(a signaling NaN, row 9\)"):  # as detect names it
        engine.detect(
            pd.DataFrame({"c": _decimals(9)}),
            pd.DataFrame({"c": pd.concat([_decimals(5), later], ignore_index=True)}),
        )
