"""``detect_drift``'s core on a text column that also holds ±inf (an object column of strings and
floats, as a JSON window with ``1e999`` for one feature reads).

``unusable_values`` leaves ±inf out of a compared column (null) and names them; it found them in
object columns (``engine.infinite_values``) but then read the whole column as float64 to mask them:
``ValueError: could not convert string to float: 'a'`` — a traceback, the pipeline step failed.
The infinite values are now masked where they are, and the column is judged on its text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.components.drift import core
from ctloop.config import DriftConfig


def _frames():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"m": pd.Series(["a", "b", "c", "d"] * 25, dtype=object), "x": rng.normal(size=100)})
    cur = pd.DataFrame({"m": pd.Series(["a", "b", np.inf, "c"] * 25, dtype=object), "x": rng.normal(size=100)})
    return ref, cur


def test_infinite_values_in_a_text_column_are_left_out_and_named():
    ref, cur = _frames()
    decision = core.judge(ref, cur, DriftConfig.from_dict({}), target="t", time_column="time")
    assert decision.metadata["left_out_values"] == ["m: 25 infinite value(s) in the current window"]
    cols = {c.column: c for c in decision.result.columns}
    assert cols["m"].kind == "categorical"
    judged_cur = decision.judged[1]["m"]
    assert judged_cur.isna().sum() == 25 and set(judged_cur.dropna()) == {"a", "b", "c"}
    assert cols["m"].drifted  # "d" is gone from the window: chi-square p 0


def test_the_reference_side_is_masked_too():
    ref, cur = _frames()
    decision = core.judge(cur, ref, DriftConfig.from_dict({}), target="t", time_column="time")
    assert decision.metadata["left_out_values"] == ["m: 25 infinite value(s) in the reference"]
