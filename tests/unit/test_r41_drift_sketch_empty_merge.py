"""Merging an empty numeric sketch first (a partition whose column held no finite value) raised
IndexError inside the run-length grouping of zero keys; the empty side now adds nothing, in
either order, and two empty sketches merge to an empty one."""

import numpy as np
import pytest

from ctloop.drift.sketch import NumericSketch


def _filled() -> NumericSketch:
    sketch = NumericSketch(64)
    sketch.add(np.linspace(-3.0, 7.0, 500))
    return sketch


@pytest.mark.parametrize("order", ["empty_first", "empty_last"])
def test_an_empty_sketch_merges_as_nothing_in_either_order(order):
    filled = _filled()
    pair = (NumericSketch(64), filled) if order == "empty_first" else (filled, NumericSketch(64))
    merged = pair[0].merge(pair[1])
    assert merged.n == filled.n
    edges = np.array([-3.0, 2.0, 7.0])
    assert merged.histogram(edges)[0].tolist() == filled.histogram(edges)[0].tolist()


def test_two_empty_sketches_merge_to_an_empty_one():
    merged = NumericSketch(64).merge(NumericSketch(64))
    assert merged.n == 0 and len(merged.keys) == 0
