"""Phase 18 (docs/backtest-quality.md): the hindsight oracle that keeps the product's retrain budget.

``benchmarks/hindsight_oracle.py`` finds the best retrain schedule with hindsight; phase 18 asked
whether the budget itself (``ctloop.monitoring.policy.budget``: one token in the first window
judged, ``1 / min_gap`` a window up to ``BURST``) or the windows the default spends it on cost
agrawal_gradual and bikeshare_load their points. Its dynamic programme must be exact: checked here
against every schedule of a small matrix that the bucket allows.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
from pathlib import Path

import numpy as np

from ctloop.monitoring import policy

ROOT = Path(__file__).resolve().parents[2]


def _oracle():
    spec = importlib.util.spec_from_file_location(
        "hindsight_oracle", ROOT / "benchmarks" / "hindsight_oracle.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _allowed(schedule, first, last, min_gap, burst, cap):
    """Whether the token bucket (one token in the first window judged) lets ``schedule`` start."""
    if len(schedule) > cap or any(j >= last for j in schedule):
        return False
    tokens = None
    for i in range(first + 1, last + 1):
        tokens = 1.0 if tokens is None else min(burst, tokens + 1.0 / min_gap)
        if i in schedule:
            if tokens < 1 - 1e-9:
                return False
            tokens -= 1
    return True


def _points(points, model_window, schedule, last):
    by_window = {w: a for a, w in enumerate(model_window)}
    champion, total = model_window[0], 0.0
    for i in range(model_window[0] + 1, last + 1):
        total += points[by_window[champion]][i]
        if i in schedule:
            champion = i
    return total


def test_the_oracle_in_the_budget_is_the_best_schedule_the_bucket_allows():
    oracle = _oracle()
    rng = np.random.default_rng(18)
    windows, first = 11, 1  # the initial model after window 1, then one model per window
    model_window = list(range(first, windows))
    last = windows - 1
    for min_gap, burst, cap in [
        (2, 2.0, 9),
        (2, policy.BURST, 9),
        (2, policy.BURST, 3),
        (3, 2.0, 9),
    ]:
        points = rng.uniform(0.5, 1.0, size=(len(model_window), windows)).tolist()
        value, schedule = oracle.bucket_oracle(
            points, model_window, last, cap, min_gap=min_gap, burst=burst
        )
        candidates = range(first + 1, last)
        best = max(
            _points(points, model_window, set(s), last)
            for k in range(len(candidates) + 1)
            for s in itertools.combinations(candidates, k)
            if _allowed(set(s), first, last, min_gap, burst, cap)
        )
        assert _allowed(set(schedule), first, last, min_gap, burst, cap)
        assert math.isclose(value, _points(points, model_window, set(schedule), last))
        assert math.isclose(value, best), (min_gap, burst, cap)


def test_the_oracle_in_the_budget_keeps_the_budgets_guarantee():
    """A model that gains every window: the oracle spends every token the bucket gives, and never
    more than ⌈N / min_gap⌉ in the first N windows judged."""
    oracle = _oracle()
    windows = 30
    model_window = list(range(windows))
    points = [[float(a) if i > a else 0.0 for i in range(windows)] for a in range(windows)]
    _, schedule = oracle.bucket_oracle(points, model_window, windows - 1, windows, min_gap=2)
    assert all(sum(1 for j in schedule if j <= n) <= math.ceil(n / 2) for n in range(1, windows))
    assert len(schedule) == math.ceil((windows - 2) / 2)
