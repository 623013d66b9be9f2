"""The no-drift score of a categorical column of many values (:func:`stats.no_drift_score`, in
the warning of a sparse column's DRIFT) is the leading order ``sqrt((k - 1) / (4 n))`` for
Jensen-Shannon and Hellinger (``n`` the sides' harmonic mean), which grows without bound in ``k``:
a reference of 5,000 rows of mostly distinct values against an hourly window of 50 (``k`` about
5,050, ``n`` about 99) was said to score "about 3.57" by Jensen-Shannon, whose maximum is
``sqrt(ln 2)`` (0.833), and the warning printed it. Two such samples share almost no value and
score about that maximum: the estimate is now capped there (Hellinger at 1)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine, stats


@pytest.mark.parametrize(
    ("method", "most"),
    [("jensenshannon", math.sqrt(math.log(2))), ("hellinger", 1.0)],
    ids=["jensenshannon", "hellinger"],
)
def test_the_no_drift_score_never_exceeds_the_distance_maximum(method, most):
    rng = np.random.default_rng(3)
    a = np.bincount(rng.integers(0, 10**6, 5000), minlength=10**6)
    b = np.bincount(rng.integers(0, 10**6, 50), minlength=10**6)
    seen = (a + b) > 0
    observed = stats.counts_stat(a[seen], b[seen], np.arange(seen.sum()), method=method).score
    expected = stats.no_drift_score(method, int(seen.sum()), 5000, 50)
    assert expected <= most
    assert expected == pytest.approx(observed, rel=0.05)
    # ordinary sizes keep the leading order (test_r44_drift_many_categories checks it by simulation)
    assert stats.no_drift_score(method, 100, 2000, 2000) == pytest.approx(math.sqrt(99 / 8000))


def test_the_warning_of_a_column_of_values_seen_once_names_a_score_it_can_reach():
    rng = np.random.default_rng(5)
    ref = pd.DataFrame({"id": [f"u{i}" for i in rng.integers(0, 10**6, 5000)]})
    cur = pd.DataFrame({"id": [f"u{i}" for i in rng.integers(0, 10**6, 50)]})
    result = engine.detect(ref, cur)
    col = result.columns[0]
    assert (col.method, col.drifted) == ("jensenshannon", True)
    assert "score about 0.833 by jensenshannon" in col.warning, col.warning
