"""Round 46, drift: a frame given to ``detect`` with a compared column name twice is refused in one
line naming the side and the column (only the current side repeating it raised a bare
``AttributeError: 'DataFrame' object has no attribute 'dtype'``; both sides repeating it read
"drift columns listed more than once" when nobody listed columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine
from ctloop.errors import DriftError


def _frame(names: list[str], seed: int) -> pd.DataFrame:
    return pd.DataFrame(np.random.default_rng(seed).normal(size=(60, len(names))), columns=names)


@pytest.mark.parametrize(
    "ref_names, cur_names, side",
    [
        (["a", "b"], ["a", "b", "a"], "current"),
        (["a", "b", "a"], ["a", "b"], "reference"),
        (["a", "b", "a"], ["a", "b", "a"], "reference"),
    ],
    ids=["current-only", "reference-only", "both"],
)
def test_a_repeated_compared_column_is_refused_naming_side_and_column(ref_names, cur_names, side):
    ref, cur = _frame(ref_names, 1), _frame(cur_names, 2)
    with pytest.raises(DriftError, match=f"^the {side} data has column 'a' more than once"):
        engine.detect(ref, cur)
    with pytest.raises(DriftError, match=f"^the {side} data has column 'a' more than once"):
        engine.detect_calibrated(ref, cur, rounds=3)


def test_a_repeated_column_left_out_does_not_matter():
    ref, cur = _frame(["a", "b", "a"], 1), _frame(["a", "b", "a"], 2)
    result = engine.detect(ref, cur, columns=["b"])
    assert [c.column for c in result.columns] == ["b"]
    # a column only one side has (never compared by default) may repeat there
    only_current = engine.detect(_frame(["b"], 1), _frame(["b", "z", "z"], 2))
    assert [c.column for c in only_current.columns] == ["b"]


def test_a_column_listed_twice_is_still_a_config_error():
    from ctloop.errors import ConfigError

    with pytest.raises(ConfigError, match="listed more than once: b"):
        engine.detect(_frame(["a", "b"], 1), _frame(["a", "b"], 2), columns=["b", "b"])


def test_a_column_named_none_is_compared_by_default_in_both_engines():
    # without a time column, the default column list left out a column named None silently
    # (it skipped the time column's name, None), and no skipped line said so
    from ctloop.drift import streaming

    rng = np.random.default_rng(3)
    ref = pd.DataFrame({None: rng.normal(size=200), "b": rng.normal(size=200)})
    cur = pd.DataFrame({None: rng.normal(2, size=200), "b": rng.normal(size=200)})
    memory = engine.detect(ref, cur)
    streamed = streaming.compare(
        streaming.DriftState().update(ref), streaming.DriftState().update(cur)
    )
    for result in (memory, streamed):
        assert [c.column for c in result.columns] == [None, "b"]
        assert result.reason.startswith("drift: 1 of 2 columns drifted")
