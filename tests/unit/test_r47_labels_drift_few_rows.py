"""``detect_drift`` gives no verdict on a window too small to judge (round 47).

``ctloop drift`` refuses a side with fewer than ``engine.MIN_ROWS`` rows (``--min-rows``), but the
pipeline's ``detect_drift`` judged any window: a ``data.current_window`` that selected 10 rows was
called drifted ("drift: 1 of 2 columns drifted ... retrain") from the noise of a few category
counts, 3 rows were confidently "no drift", and an empty window failed the step with a DriftError
(a quiet hour). Now such a window has no drift verdict: not drifted, retrained only when forced,
and the reason names the rows and the minimum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.drift import core
from ctloop.config import DriftConfig
from ctloop.drift.engine import MIN_ROWS


def _frame(rows: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.normal(size=rows) + shift, "b": rng.choice(list("xyz"), rows),
                         "y": rng.integers(0, 2, rows)})


@pytest.mark.parametrize("rows", [0, 3, 10, MIN_ROWS - 1])
def test_a_window_under_the_minimum_has_no_verdict(rows):
    decision = core.judge(_frame(500, 0), _frame(rows, 1, shift=4.0), DriftConfig.from_dict({}), target="y",
                          time_column="t")
    assert (decision.drifted, decision.retrain, decision.result) == (False, False, None)
    assert decision.reason.startswith(f"no drift verdict: the current window has {rows} row")
    assert f"at least {MIN_ROWS}" in decision.reason
    assert decision.metrics == {"current_rows": rows, "reference_rows": 500}


def test_forced_retraining_still_retrains_on_a_small_window():
    decision = core.judge(_frame(500, 0), _frame(5, 1), DriftConfig.from_dict({"force_retrain": True}), target="y",
                          time_column="t")
    assert (decision.drifted, decision.retrain, decision.result) == (False, True, None)
    assert decision.reason.startswith("no drift verdict") and decision.reason.endswith("; retraining forced (force_retrain)")


def test_a_window_of_the_minimum_is_judged():
    decision = core.judge(_frame(500, 0), _frame(MIN_ROWS, 1, shift=4.0), DriftConfig.from_dict({}), target="y",
                          time_column="t")
    assert decision.drifted and decision.result is not None
