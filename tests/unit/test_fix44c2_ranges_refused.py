"""A numeric side past its sketch (value ranges labelled "[a, b]") compared as categorical against
a side that counts values hashed the range labels as text: they met the other side's values in
unrelated buckets. 500 integers, floats on one side and objects on the other, scored
Jensen-Shannon 0.529, DRIFT, reported as a guaranteed lower bound (in memory: 0.0505), and a
non-dividing sketch size was refused with advice to change --sketch-size, which only led there.
Value ranges against values are now refused outright, naming the column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import streaming
from ctloop.errors import DriftError


def _sides() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    floats = pd.DataFrame({"d": rng.integers(0, 500, 5000).astype(float)})
    objects = pd.Series([int(v) for v in rng.integers(0, 500, 5000)], dtype=object).to_frame("d")
    return floats, objects


@pytest.mark.parametrize("max_categories", [256, 1024], ids=["hashed", "exact"])
def test_value_ranges_against_values_are_refused(max_categories):
    ref, cur = _sides()
    sizes = {"sketch_size": 128, "max_categories": max_categories}
    with pytest.raises(DriftError) as err:
        streaming.compare(
            streaming.DriftState(**sizes).update(ref), streaming.DriftState(**sizes).update(cur)
        )
    assert str(err.value) == (
        "column 'd': the reference state counts it in value ranges of its numeric sketch and the "
        "current state counts its values: value ranges cannot be compared with values as "
        "categories; give the column one type on both sides or leave it out"
    )
