"""The streamed heavy-tail check (engine.tail_moved) compared the bucket minimums of two
different bucket grids: at sketch_size 64 two samples of one Pareto(0.5) had "moved" tails, so
the warning the memory engine gives was never given. Sketches past their budget are now compared
on one grid (both at the coarser resolution)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.drift import engine, streaming
from ctloop.drift.sketch import NumericSketch


def test_the_streamed_heavy_tail_warning_agrees_with_the_memory_engine_at_a_small_sketch():
    # Pareto(0.5) + 1, 3,000 rows a side, one distribution: the memory engine warns that the
    # drift may be noise; at sketch_size 64 the streamed engine compared the bucket minimums of
    # two grids, found the tails "moved" and never warned
    rng = np.random.default_rng(0)
    agree, warned = 0, 0
    for _ in range(6):
        a = pd.DataFrame({"x": rng.pareto(0.5, 3000) + 1})
        b = pd.DataFrame({"x": rng.pareto(0.5, 3000) + 1})
        memory = engine.detect(a, b).columns[0]
        small = streaming.compare(
            streaming.DriftState(sketch_size=64).update(a),
            streaming.DriftState(sketch_size=64).update(b),
        ).columns[0]
        warned += bool(memory.warning)
        agree += bool(memory.warning) == bool(small.warning)
    assert warned >= 2 and agree == 6


def test_one_distribution_past_the_sketch_seldom_moves_and_a_moved_top_does():
    rng = np.random.default_rng(1)

    def sketch(values):
        out = NumericSketch(64)
        out.add(values)
        return out

    same = moved = 0
    for _ in range(20):
        a, b, c = (
            rng.lognormal(0, 1, 20_000),
            rng.lognormal(0, 1, 20_000),
            rng.lognormal(0, 1, 20_000),
        )
        c[c > np.quantile(c, 0.97)] *= 10
        sa, sb, sc = sketch(a), sketch(b), sketch(c)
        assert not (sa.exact or sb.exact or sc.exact)
        same += streaming._tail_moved(sa, sb)
        moved += streaming._tail_moved(sa, sc)
    assert same <= 2 and moved == 20
