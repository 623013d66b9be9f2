"""The backtest judges drift as monitor_model and detect_drift do (one rule, issue 14): a window of
fewer than ``ctloop.drift.engine.MIN_ROWS`` rows gets no drift verdict. Before, monitoring gave
such a window none (components/monitor/core.py) while the replay still called 10 shifted rows
"drifted" and retrained on them: on four benchmark streams the partial last window spent a
retrain no later window could score (rain_yearly 12 -> 11, same mean)."""

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BACKTEST_THRESHOLDS, BacktestConfig, run_backtest
from ctloop.config import GateConfig, TrainingConfig
from ctloop.drift.engine import MIN_ROWS


def days_then_a_few_shifted_rows(tail: int) -> pd.DataFrame:
    """Fourteen days of 120 rows, then ``tail`` rows on a fifteenth day whose features moved far away."""
    rng = np.random.default_rng(3)
    n = 14 * 120
    x = rng.normal(size=(n + tail, 2))
    x[n:] += 6.0
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": (x[:, 0] - x[:, 1] + rng.normal(size=n + tail) > 0).astype(int),
                         "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(
                             np.r_[np.arange(n) * 86400 / 120, 14 * 86400 + np.arange(tail) * 60.0], unit="s")})


def config(policy: str) -> BacktestConfig:
    return BacktestConfig(target="y", time_column="ts", window="1D", policy=policy, min_labels=30,
                          training=TrainingConfig(estimator="logistic_regression", seed=0),
                          gate=GateConfig.from_dict({"bootstrap_rounds": 20, "seed": 0,
                                                     "thresholds": BACKTEST_THRESHOLDS["classification"]}))


@pytest.mark.parametrize("policy", ["drift", "default"])
def test_a_window_under_min_rows_gets_no_drift_verdict(policy):
    last = run_backtest(days_then_a_few_shifted_rows(MIN_ROWS - 20), config(policy)).windows[-1]
    assert last.drift_share is None and not last.drifted, (last.drift_share, last.reason)
    if policy == "drift":
        assert last.rule == "none" and last.reason.endswith(f"{MIN_ROWS - 20} rows: no drift verdict"), last.reason


def test_a_window_of_min_rows_is_judged():
    last = run_backtest(days_then_a_few_shifted_rows(MIN_ROWS), config("drift")).windows[-1]
    assert last.drift_share == 1.0 and last.drifted and last.rule == "drift", last.reason
