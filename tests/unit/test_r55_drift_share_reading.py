"""One setting read one way. Stop 55's unseen stream co2_weekly_gaps (statsmodels 0.15.0's Mauna
Loa CO2; docs/backtest-quality.md, "Unseen streams, third batch") has two features, one of which
drifts: its drift share is 0.50 in every window. ``detect_drift`` (``drift.share``) reads the share
as evidently 0.7 does, ``share >= drift_share`` (``get_dataset_drift`` in
``src/evidently/legacy/calculations/data_drift.py``), and said drifted; the default policy's drift rule
(``monitoring.rules.drift_share``) read "above" and never counted it. Stop 55 made the window record
say drifted as the rule counted it; stop 57 made the rule read as ``detect_drift`` and evidently do
(docs/backtest-quality.md, "Rule changes (stop 57)"). Seen failing on main: a window of share 0.50
was not drifted and the drift rule did not fire."""

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
def test_a_share_equal_to_drift_share_is_drifted_and_fires_the_drift_rule():
    report = run_backtest(one_of_two_features_moves(), config(prediction_psi=None))
    half = [w for w in report.windows if w.drift_share == 0.5]
    assert len(half) >= 3, [(w.index, w.drift_share) for w in report.windows]
    assert all(w.drifted for w in half), [(w.index, w.drifted, w.reason) for w in half]
    fired = [w for w in report.windows if w.rule == "drift"]
    assert fired and "drift share >= 0.5 for 2 consecutive window(s): 0.50, 0.50" in fired[0].reason, [
        (w.index, w.rule, w.reason) for w in report.windows
    ]


def test_one_reading_of_at_least():
    assert drifted(0.5, 0.5) and drifted(0.51, 0.5) and not drifted(0.49, 0.5) and not drifted(None, 0.5)
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
    assert v.fire and v.rule == "drift", v.reason
    assert v.reason == "drift share >= 0.5 for 2 consecutive window(s): 0.50, 0.50", v.reason
    short = decide([dict(rec, window_end="2026-03-01T00:00:00+00:00", drift_share=0.49)], rec,
                   {"drift_share": 0.5, "drift_windows": 2})
    assert not short.fire and "drift share 0.50 >= 0.5 in 1 window(s), 2 needed" in short.reason, short.reason


@pytest.mark.filterwarnings("ignore:a median window")
def test_with_the_drift_rule_off_no_window_says_drifted():
    """Review: with ``monitoring.rules.drift_share: null`` the record fell back on detect_drift's
    verdict, though no rule counts drift then (the window after day 4 moves both a and b by 5)."""
    frame = one_of_two_features_moves()
    frame.loc[400:, "b"] += 5.0
    report = run_backtest(frame, config(prediction_psi=None, drift_share=None))
    assert any(w.drift_share and w.drift_share > 0.5 for w in report.windows)
    assert not any(w.drifted for w in report.windows), [(w.index, w.drifted) for w in report.windows]
