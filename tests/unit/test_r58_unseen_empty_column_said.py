"""Stop 58's unseen stream medicare_private_gap (statsmodels' racd10 Medicare sample, daily windows of 302
rows): the income feed broke for three days, ``income`` null in every row of windows 7-9, while the champion
had learnt it with values. The drift engine knew (``no values in the current data (all null/inf)``, the
column counted as drifted), but the replay's lines said ``302 rows, roc_auc=0.7133, drift share 0.18, 302
labels`` and the reason ``no confident loss on 302 labels (...)``, and the never and always policies, which
judge no drift, said nothing at all. A window now names a feature the champion learnt with values that has
none in it, under every policy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.unit.test_r58_unseen_class_said import _replay


@pytest.mark.parametrize("policy", ["never", "default"])
def test_a_window_names_a_feature_with_no_values(policy):
    rng = np.random.default_rng(58)
    rows = 720  # 120 a day for 6 days; 'income' null in every row of days 4 and 5
    ts = pd.Timestamp("2024-10-07") + pd.to_timedelta(np.sort(rng.random(rows)) * 6, unit="D")
    income, age = rng.gamma(2.0, 10.0, rows), rng.integers(65, 90, rows).astype(float)
    y = (income + rng.normal(scale=8, size=rows) > 20).astype(int)
    day = ((ts - pd.Timestamp("2024-10-07")) // pd.Timedelta("1D")).to_numpy()
    income[(day == 3) | (day == 4)] = np.nan
    age[day == 5] = (
        np.nan
    )  # a column the champion learnt with values, empty in the last window only
    data = pd.DataFrame({"ts": ts, "income": income, "age": age, "y": y})
    windows, lines = _replay(data, policy)
    said = {}
    for w in windows[2:]:
        line = next(x for x in lines if x.startswith(f"window {w.index} ["))
        said[w.index] = [
            c for c in ("income", "age") if f"column '{c}' has no values in this window" in line
        ]
        for c in said[w.index]:
            assert f"column '{c}' has no values in this window" in w.reason, w.reason
    assert said == {2: [], 3: ["income"], 4: ["income"], 5: ["age"]}, lines
