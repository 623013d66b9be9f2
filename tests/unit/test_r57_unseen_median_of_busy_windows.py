"""Stop 57's unseen stream gapminder_yesno_one_spelling (plotly's gapminder: a wave of 142 countries every
fifth year, replayed in 365D windows: 44 of 56 windows hold no row) printed "training window 6 window(s)
(derived: 3000 rows at a median 142 rows per window, 1..6 windows)". The median is of the windows that hold
rows; at a median of 0 rows a window the 6 windows hold one or two waves (142-284 rows), not six. The
banner now says which windows the median counts when some hold none; without empty windows it is as
before."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.config import GateConfig, TrainingConfig


def _waves(every: int, waves: int = 6, per_wave: int = 150) -> pd.DataFrame:
    rng = np.random.default_rng(57)
    ts = np.repeat(
        [pd.Timestamp("2024-01-01") + pd.Timedelta(days=every * k) for k in range(waves)], per_wave
    )
    a = rng.normal(size=len(ts))
    y = (a + rng.normal(0, 0.7, len(ts)) > 0).astype(int)
    return pd.DataFrame({"ts": ts, "a": a, "b": rng.normal(size=len(ts)), "y": y})


def _banner(data: pd.DataFrame) -> str:
    said: list[str] = []
    cfg = BacktestConfig(
        target="y",
        time_column="ts",
        window="1D",
        policy="never",
        training=TrainingConfig(estimator="logistic_regression", seed=0),
        gate=GateConfig.from_dict(
            {"bootstrap_rounds": 20, "seed": 0, "thresholds": {"roc_auc": 0.5}}
        ),
    )
    run_backtest(data, cfg, progress=said.append)
    return next(line for line in said if "training window" in line)


def test_the_median_says_it_counts_the_windows_with_rows():
    banner = _banner(_waves(every=3))  # a wave every third day: 6 of 16 daily windows hold rows
    assert (
        "(derived: 3000 rows at a median 150 rows per window with rows (6 of 16), 1..6 windows"
        in banner
    ), banner


def test_without_empty_windows_the_banner_is_as_before():
    banner = _banner(_waves(every=1))
    assert "(derived: 3000 rows at a median 150 rows per window, 1..6 windows" in banner, banner
