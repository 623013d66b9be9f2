"""``--threshold 0`` (allowed: a finite number >= 0) with a sparse categorical column crashed the
many-categories warning with a ZeroDivisionError traceback: it computed the values per side that
bring the no-drift score below the threshold, ``(k - 1) / (4 * threshold**2)``. No sample size
brings it below 0, so that clause is now left out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine

VALUES = [f"t{i}" for i in range(400)]


@pytest.mark.parametrize("method", ["jensenshannon", "hellinger", "psi", "kl_div"])
def test_threshold_zero_with_a_sparse_column_is_warned_of_without_a_crash(method):
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"c": rng.choice(VALUES, 2000)})
    cur = pd.DataFrame({"c": rng.choice(VALUES, 2000)})
    col = engine.detect(ref, cur, method=method, threshold=0.0).columns[0]
    assert col.drifted and col.threshold == 0.0
    assert "at or above its threshold 0, and it scores" in col.warning
    assert "values per side)" not in col.warning
