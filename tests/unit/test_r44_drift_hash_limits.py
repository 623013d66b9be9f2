"""Two drift states whose categorical column went into hash buckets under different
``max_categories`` (a reference summarised with 128, a window with 64: tasks of different
settings) were compared by re-hashing the larger side's bucket *numbers* as if they were values,
so unrelated buckets met: 20,000 rows per side of one distribution of 300 titles scored
Jensen-Shannon 0.39, DRIFT (exact 0.058), with that score given as a guaranteed lower bound; and
merging such states raised a bare ``ValueError``. A value's bucket is its hash modulo the limit,
so buckets of a multiple of the other limit now fold exactly into it (``bucket % limit``); other
limits are refused, naming the column, in comparison and merge alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import streaming
from ctloop.errors import DriftError


def _titles(seed: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"c": [f"t{i}" for i in np.random.default_rng(seed).integers(0, 300, 20000)]}
    )


def _state(frame: pd.DataFrame, limit: int) -> streaming.DriftState:
    return streaming.DriftState(max_categories=limit).update(frame)


def _score(
    reference: streaming.DriftState, current: streaming.DriftState
) -> tuple[float, bool, float]:
    col = streaming.compare(reference, current).columns[0]
    return col.score, col.drifted, col.score_low


@pytest.mark.parametrize(("ref_limit", "cur_limit"), [(128, 64), (64, 128), (256, 64)])
def test_hash_buckets_of_a_multiple_fold_into_the_smaller_limit(ref_limit, cur_limit):
    ref, cur = _titles(1), _titles(2)
    same = _score(_state(ref, 64), _state(cur, 64))  # both sides hashed alike
    assert not same[1]
    assert _score(_state(ref, ref_limit), _state(cur, cur_limit)) == pytest.approx(
        same
    )  # 0.39 DRIFT before
    merged = _state(ref, ref_limit).merge(_state(cur, cur_limit))  # a bare ValueError before
    assert merged.columns["c"].categories.limit == 64
    assert (
        merged.columns["c"].categories.counts
        == _state(ref, 64).merge(_state(cur, 64)).columns["c"].categories.counts
    )


def test_hash_buckets_that_do_not_fold_are_refused_naming_the_column():
    ref, cur = _state(_titles(1), 96), _state(_titles(2), 64)
    with pytest.raises(DriftError, match=r"column 'c': the reference state counts it in 96 hash buckets and the "
                                         r"other side in 64 \(their max_categories differ"):  # fmt: skip
        streaming.compare(ref, cur)
    with pytest.raises(DriftError, match=r"cannot merge drift states: column 'c' is counted in hash buckets of "
                                         r"96 and of 64 \(64 does not divide 96\) in the two parts"):  # fmt: skip
        ref.merge(cur)
