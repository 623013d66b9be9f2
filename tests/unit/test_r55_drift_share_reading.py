"""One setting read one way per rule, and the window record says which. Stop 55's unseen stream
co2_weekly_gaps (statsmodels 0.15.0's Mauna Loa CO2; docs/backtest-quality.md, "Unseen streams,
third batch") has two features, one of which drifts: its drift share is 0.50 in every window. The
default policy's drift rule (``monitoring.rules.drift_share``, documented in docs/monitoring.md as
"above") never counted it, yet each window of the replay said ``drifted: True``, the verdict of
``detect_drift`` (``drift.share``, ``share >= drift_share`` as evidently reads it). Seen failing
on main: the window record said True where the rule counted nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BACKTEST_THRESHOLDS, BacktestConfig, run_backtest
from ctloop.config import GateConfig, MonitoringRules, TrainingConfig
from ctloop.monitoring.rules import decide, drifted


def one_of_two_features_moves() -> pd.DataFrame:
    """Seven days of 100 rows; from day 4 feature ``a`` moves far away, ``b`` does not (share 0.50)."""
    rng = np.random.default_rng(55)
    n = 7 * 100
    a, b = rng.normal(size=n), rng.normal(size=n)
    a[4 * 100 :] += 5.0
    return pd.DataFrame(
        {
            "a": a,
            "b": b,
            "y": (b + rng.normal(size=n) > 0).astype(int),
            "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) * 864.0, unit="s"),
        }
    )


def config(**rules) -> BacktestConfig:
    return BacktestConfig(
        target="y",
        time_column="ts",
        window="1D",
        policy="default",
        min_labels=1000,
        train_window="3D",
        rules=MonitoringRules.from_dict({**MonitoringRules().active(), **rules}),
        training=TrainingConfig(estimator="logistic_regression", seed=0),
        gate=GateConfig.from_dict(
            {"bootstrap_rounds": 20, "seed": 0, "thresholds": BACKTEST_THRESHOLDS["classification"]}
        ),
    )


@pytest.mark.filterwarnings("ignore:a median window")  # realized rules off: the drift rule alone
def test_the_window_record_says_drifted_as_the_drift_rule_counts_it():
    report = run_backtest(one_of_two_features_moves(), config(prediction_psi=None))
    half = [w for w in report.windows if w.drift_share == 0.5]
    assert len(half) >= 3, [(w.index, w.drift_share) for w in report.windows]
    assert not any(w.drifted for w in half), [(w.index, w.drifted, w.reason) for w in half]
    assert not any(w.rule == "drift" for w in report.windows)


def test_one_reading_of_above():
    assert not drifted(0.5, 0.5) and drifted(0.51, 0.5) and not drifted(None, 0.5)
    rec = {
        "window_end": "2026-03-02T00:00:00+00:00",
        "drift_share": 0.5,
        "realized": None,
        "realized_rows": 0,
    }
    v = decide(
        [dict(rec, window_end="2026-03-01T00:00:00+00:00")],
        rec,
        {"drift_share": 0.5, "drift_windows": 2},
    )
    assert not v.fire and "needed" not in v.reason, v.reason
    assert "drift share 0.50 not counted: the drift rule counts a share above 0.5" in v.reason, v.reason


@pytest.mark.filterwarnings("ignore:a median window")
def test_with_the_drift_rule_off_no_window_says_drifted():
    """Review: with ``monitoring.rules.drift_share: null`` the record fell back on detect_drift's
    verdict, though no rule counts drift then (the window after day 4 moves both a and b by 5)."""
    frame = one_of_two_features_moves()
    frame.loc[400:, "b"] += 5.0
    report = run_backtest(frame, config(prediction_psi=None, drift_share=None))
    assert any(w.drift_share and w.drift_share > 0.5 for w in report.windows)
    assert not any(w.drifted for w in report.windows), [(w.index, w.drifted) for w in report.windows]
