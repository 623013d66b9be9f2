"""A column known only as value ranges (``ColumnState.ranged``: float64 past its sketch, then plain
numbers stored as objects) keeps those ranges in its shadow sketch; until fix45c a chunk of
booleans, a category, or object numbers beyond float64's range (``[1, 10**400]``) was accepted and
dropped the shadow, and the comparison then stopped with ``AttributeError: 'NoneType' object has no
attribute 'mins'`` (and such a state saved ``ranged: true`` with no shadow, which loaded and failed
the same way). Such a chunk is now refused in one line, the state unchanged; a saved ranged column
without its shadow is refused on loading. A state holding such a column is written as version 5,
which the ctloop before refuses (it read version 4 and scored the column by its empty hash buckets:
DRIFT); one without is still version 4, and both are read. An edited ``values_kind`` is refused on
loading (the comparison raised a bare ValueError)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import streaming
from ctloop.errors import DriftError


def _ranged(seed: int) -> streaming.DriftState:
    rng = np.random.default_rng(seed)
    state = streaming.DriftState(sketch_size=64)
    state.update(pd.DataFrame({"d": rng.integers(0, 100, 600) / 2}))  # 100 distinct floats, past 64
    state.update(
        pd.DataFrame({"d": pd.Series([int(v) for v in rng.integers(0, 50, 300)], dtype=object)})
    )
    assert state.columns["d"].ranged
    return state


def _current(seed: int) -> streaming.DriftState:
    rng = np.random.default_rng(seed)
    ints = pd.Series([int(v) for v in rng.integers(0, 50, 300)], dtype=object)
    return streaming.DriftState(sketch_size=64).update(pd.DataFrame({"d": ints}))


def _saved(state: streaming.DriftState) -> dict:
    return json.loads(json.dumps(state.to_dict()))


@pytest.mark.parametrize(
    ("values", "words"),
    [
        (pd.Series([True, False] * 5), r"booleans in this chunk \(bool\)"),
        (pd.Series(["a", "b"] * 5, dtype="category"), r"categories in this chunk \(category\)"),
        (
            pd.Series([1, 10**400] * 5, dtype=object),
            r"numbers beyond float64's range in this chunk \(object\)",
        ),
    ],
    ids=["bool", "category", "int-beyond-float64"],
)
def test_a_chunk_that_would_drop_the_value_ranges_is_refused_and_the_state_unchanged(values, words):
    state = _ranged(1)
    before = _saved(state)
    with pytest.raises(DriftError, match=rf"^column 'd' holds {words} but, before it, more than 64 distinct numbers "
                                         r"known only as value ranges \(object\); give it one type"):  # fmt: skip
        state.update(pd.DataFrame({"d": values}))
    assert _saved(state) == before
    col = streaming.compare(state, _current(2)).columns[0]
    assert col.kind == "categorical" and "value ranges" in col.detail


def test_a_chunk_of_object_numbers_beyond_float64_cannot_make_a_column_ranged_without_its_ranges():
    rng = np.random.default_rng(3)
    state = streaming.DriftState(sketch_size=64).update(
        pd.DataFrame({"d": rng.integers(0, 100, 600) / 2})
    )
    before = _saved(state)
    with pytest.raises(
        DriftError, match=r"column 'd' holds numbers beyond float64's range in this chunk"
    ):
        state.update(pd.DataFrame({"d": pd.Series([1, 10**400, 2], dtype=object)}))
    assert _saved(state) == before


def test_merging_with_booleans_names_both_sides_in_plain_words():
    booleans = streaming.DriftState(sketch_size=64).update(pd.DataFrame({"d": [True, False] * 5}))
    for a, b in ((_ranged(4), booleans), (booleans, _ranged(4))):
        with pytest.raises(DriftError) as err:
            a.merge(b)
        assert str(err.value) == (
            "cannot merge drift states: column 'd' holds booleans in one and, in the other, more than 64 "
            "distinct numbers known only as value ranges; give it one type in every partition"
        )


def test_a_saved_ranged_column_without_its_shadow_is_refused_on_loading():
    data = _saved(_ranged(5))
    del data["columns"][0]["shadow"]
    with pytest.raises(DriftError, match=r"^not a readable ctloop drift state of version 5: column 'd' lacks "
                                         r"'shadow'; the file is damaged or was edited"):  # fmt: skip
        streaming.DriftState.from_dict(data)


def test_a_state_with_a_ranged_column_is_version_5_which_the_ctloop_before_refuses():
    ranged = _saved(_ranged(6))
    plain = _saved(_current(7))
    # the ctloop before read only version 4 (DriftState.from_dict: version != 4 refused)
    assert (ranged["version"], plain["version"]) == (5, 4)
    for data in (ranged, plain):
        back = streaming.DriftState.from_dict(data)
        assert streaming.compare(back, _current(7)).columns[0].kind == "categorical"
    with pytest.raises(
        DriftError,
        match=r"drift state version 6 is not supported \(this ctloop reads versions 4 and 5\)",
    ):
        streaming.DriftState.from_dict({**plain, "version": 6})


def test_an_edited_values_kind_is_refused_on_loading():
    data = _saved(_current(8))
    data["columns"][0]["values_kind"] = "x"
    with pytest.raises(DriftError, match=r"^not a readable ctloop drift state of version 4: column 'd' has a damaged "
                                         r"value \(ValueError: values_kind 'x' is none of"):  # fmt: skip
        streaming.DriftState.from_dict(data)
