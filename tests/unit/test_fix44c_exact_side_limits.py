"""A side with EXACT counts was refused against a hashed side whose limit its own
``max_categories`` did not divide: the comparison and ``CategoryCounts.merge`` took the smallest
limit over both sides, the exact one included, and then told the user the exact side was "in 96
hash buckets". A reference summarised with ``--max-categories 1000`` (exact: 50 titles) against a
window past the default 16,384 was refused. An exact side now is hashed at the hashed side's
limit; only hashed sides (and a numeric sketch's value ranges) set the limit. When the value
ranges of a numeric side set it, the refusal names ``--sketch-size``, not ``max_categories``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import streaming
from ctloop.drift.sketch import CategoryCounts
from ctloop.errors import DriftError


def _titles(k: int, rows: int, seed: int) -> pd.DataFrame:
    return pd.DataFrame({"c": [f"t{i}" for i in np.random.default_rng(seed).integers(0, k, rows)]})


@pytest.mark.parametrize("exact_first", [True, False], ids=["exact-reference", "exact-current"])
def test_an_exact_side_is_hashed_at_the_hashed_sides_limit(exact_first):
    exact = streaming.DriftState(max_categories=96).update(_titles(50, 5000, 0))
    hashed = streaming.DriftState(max_categories=128).update(_titles(300, 5000, 1))
    assert not exact.columns["c"].categories.hashed and hashed.columns["c"].categories.hashed
    pair = (exact, hashed) if exact_first else (hashed, exact)
    # the same values with the exact side summarised at 128 too: the same buckets, the same score
    alike = streaming.DriftState(max_categories=128).update(_titles(50, 5000, 0))
    want = streaming.compare(*((alike, hashed) if exact_first else (hashed, alike))).columns[0]
    got = streaming.compare(*pair).columns[0]
    assert (got.score, got.drifted, got.approximate) == (want.score, want.drifted, True)
    merged = pair[0].merge(pair[1]).columns["c"].categories
    assert merged.hashed and merged.limit == 128
    assert merged.counts == alike.merge(hashed).columns["c"].categories.counts


def test_category_counts_merge_takes_the_hashed_limit():
    exact = CategoryCounts(96)
    exact.add(["a", "b"], [3, 4])
    hashed = CategoryCounts(128)
    hashed.add([f"v{i}" for i in range(200)], [1] * 200)
    assert hashed.hashed
    for out in (exact.merge(hashed), hashed.merge(exact)):
        assert out.hashed and out.limit == 128 and out.n == 207
    both_exact = CategoryCounts(64).merge(exact)
    assert both_exact.limit == 64 and not both_exact.hashed  # both exact: the smaller, as before


def test_value_ranges_that_do_not_divide_name_the_sketch_size():
    rng = np.random.default_rng(0)
    sizes = {"sketch_size": 1000, "max_categories": 2048}
    ref = streaming.DriftState(**sizes).update(
        pd.DataFrame({"d": rng.integers(0, 10**6, 5000).astype(float)})
    )
    values = [int(v) for v in rng.integers(0, 10**6, 5000)]
    cur = streaming.DriftState(**sizes).update(pd.Series(values, dtype=object).to_frame("d"))
    with pytest.raises(DriftError, match=r"in value ranges of its numeric sketch") as err:
        streaming.compare(ref, cur)
    assert "--sketch-size" not in str(err.value)  # fix44c2: no sketch size makes them comparable
    assert "max_categories differ" not in str(err.value)
