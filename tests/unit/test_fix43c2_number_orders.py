"""Ints beyond 2**53 and object numbers in hash buckets beside int64/float64 (fix43c2).

* fix43c re-counted an int64 state as objects when ints stored as objects came, checking
  ``abs(v) > 2**53`` on the float64 sketch's values, where ``2**53 + 1`` is already ``2**53``:
  the object column one pass keeps (``2**53 + 1`` exactly) was counted as ``2**53``. A state now
  records an int64 chunk beyond 2**53 (``rounded``, kept when float64 chunks make it float) and
  refuses the re-count in one line, chunk and merge alike.
* ints stored as objects past ``max_categories`` (hash buckets) then a float64 chunk was refused
  (``... objects of more than 64 distinct values (too many to re-read as numbers) before``), as
  was such a merge in both orders, while float64 then the objects was read. Counts of numbers
  only in hash buckets now take int64/float64 chunks and states in every order, the same verdict.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import streaming
from ctloop.errors import DriftError

BEYOND = 2**53 + 1


def _state(*chunks: pd.Series, **kw) -> streaming.DriftState:
    state = streaming.DriftState(**kw)
    for chunk in chunks:
        state.update(pd.DataFrame({"p": chunk}))
    return streaming.DriftState.from_dict(state.to_dict())


@pytest.mark.parametrize("before", ["int64", "int64,float64", "float64,int64"])
def test_ints_beyond_2_53_are_not_recounted_rounded(before):
    parts = {
        "int64": pd.Series([BEYOND] * 20 + [3] * 20, dtype="int64"),
        "float64": pd.Series([3.0, 4.0] * 10),
    }
    numbers = [parts[k] for k in before.split(",")]
    objects = pd.Series([3] * 20 + [BEYOND] * 20, dtype=object)
    with pytest.raises(
        DriftError,
        match=r"^column 'p' holds numbers stored as objects in this chunk \(object\) but "
        r"integers beyond 2\*\*53 before \((int|float)64\); give it one type",
    ):
        _state(*numbers, objects)
    for left, right in ((_state(*numbers), _state(objects)), (_state(objects), _state(*numbers))):
        with pytest.raises(
            DriftError,
            match=r"^cannot merge drift states: column 'p' holds numbers stored as objects "
            r"in (one|the other) and integers beyond 2\*\*53",
        ):
            left.merge(right)


def test_ints_up_to_2_53_are_still_recounted_exactly():
    numbers = pd.Series([2**53, -(2**53), 3], dtype="int64")
    state = _state(numbers, pd.Series([3, 2**53], dtype=object))
    assert state.columns["p"].categories.counts == {2**53: 2, -(2**53): 1, 3: 2}


def test_object_numbers_in_hash_buckets_take_float64_in_every_order():
    rng = np.random.default_rng(4321)
    chunks = {"oints": pd.Series([int(x) for x in rng.integers(0, 1000, 3000)], dtype=object),
              "f64": pd.Series(rng.integers(0, 50, 300).astype(float)),
              "i64": pd.Series(rng.integers(0, 50, 300))}  # fmt: skip
    ref = _state(
        pd.Series([int(x) for x in rng.integers(0, 1000, 2000)], dtype=object), max_categories=64
    )
    verdicts = set()
    for order in itertools.permutations(chunks):
        streamed = _state(*(chunks[k] for k in order), max_categories=64)
        assert streamed.columns["p"].categories.hashed
        verdicts.add(round(streaming.compare(ref, streamed).columns[0].score, 12))
        parts = [_state(chunks[k], max_categories=64) for k in order]
        verdicts.add(
            round(
                streaming.compare(ref, parts[0].merge(parts[1]).merge(parts[2])).columns[0].score,
                12,
            )
        )
        verdicts.add(
            round(
                streaming.compare(ref, parts[0].merge(parts[1].merge(parts[2]))).columns[0].score,
                12,
            )
        )
    assert len(verdicts) == 1


def test_text_in_hash_buckets_still_refuses_float64():
    text = pd.Series([f"v{i}" for i in range(100)], dtype=object)
    with pytest.raises(DriftError, match=r"holds numbers in this chunk \(float64\) but"):
        _state(text, pd.Series([1.0, 2.0]), max_categories=64)
    with pytest.raises(DriftError, match=r"cannot merge drift states"):
        _state(text, max_categories=64).merge(_state(pd.Series([1.0, 2.0]), max_categories=64))
