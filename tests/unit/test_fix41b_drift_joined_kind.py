"""The streaming engine joins the values kind of a side's chunks as ``number_or_text`` sees them
concatenated. A chunk of neither numbers nor text (booleans in an object column: "other") was
joined as if unseen: bools then strings became "text", where the concatenation is ``mixed``
(neither), so the stream refused the column against a reference of numbers that the memory
engine compares (review B, finding 4)."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.drift import engine, streaming
from ctloop.drift.streaming import _joined_kind

BOOLS = pd.DataFrame({"c": pd.Series([True, False] * 40, dtype=object)})
TEXT = pd.DataFrame({"c": pd.Series(["a", "b"] * 40, dtype=object)})
REFERENCE = pd.DataFrame({"c": pd.Categorical([1, 2, 3] * 50)})


@pytest.mark.parametrize("order", [(BOOLS, TEXT), (TEXT, BOOLS)], ids=["bools-first", "text-first"])
def test_other_values_then_text_are_judged_as_the_memory_engine(order):
    state = streaming.DriftState()
    for chunk in order:
        state.update(chunk)
    concatenated = pd.concat(order, ignore_index=True)
    assert state.columns["c"].values_kind == engine.number_or_text(concatenated["c"]) is None
    exact = engine.detect(REFERENCE, concatenated, columns=["c"]).columns[0]
    streamed = streaming.compare(streaming.DriftState().update(REFERENCE), state, columns=["c"]).columns[0]
    assert (streamed.kind, streamed.drifted) == (exact.kind, exact.drifted)
    assert streamed.score == pytest.approx(exact.score)


def test_merged_partitions_join_the_same_way():
    a, b = streaming.DriftState().update(BOOLS), streaming.DriftState().update(TEXT)
    assert a.merge(b).columns["c"].values_kind is None
    assert b.merge(a).columns["c"].values_kind is None


def test_the_join_rule():
    assert _joined_kind("number", "number") == "number"
    assert _joined_kind("number", "text") == _joined_kind("text", "number") == "text"  # mixed-integer
    assert _joined_kind("text", None) is None and _joined_kind(None, "text") is None  # mixed
    assert _joined_kind("bytes", "text") is None
