"""A gate on another metric than the realized rules: a heavy-tailed regression (Student-t noise,
0.5 % outliers) replayed with ``--primary-metric mae`` under the default policy. The gate compares
challenger and champion on MAE and records ``mae.delta``/``mae.ci_low``; the realized rules judge
the task's default (``rmse``, monitoring.metric) and read whether a retrain paid from
``rmse.ci_low``, which no gate recorded. The replay printed "recovery ends: the loss's retrain was
not confidently better than the champion" one window after the gate said "vs champion: mae delta
+1.6406 (CI +1.0100..+2.1781)". The replay now says up front that the two metrics differ and
what that does to the recovery (the rule engine itself is ctloop.monitoring.policy's)."""

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main


def _heavy(n: int = 900, seed: int = 48) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.random((n, 3))
    y = 10 * np.sin(np.pi * x[:, 0] * x[:, 1]) + 20 * (x[:, 2] - 0.5) ** 2 + rng.standard_t(1.5, n)
    y[rng.random(n) < 0.005] *= 50
    return pd.DataFrame({
        "ts": pd.Timestamp("2024-03-04") + pd.to_timedelta(np.repeat(np.arange(n // 30), 30) * 2.4, unit="h"),
        "f0": x[:, 0], "f1": x[:, 1], "f2": x[:, 2], "target": y,
    })


def _replay(path, tmp_path, *extra):
    return main(["backtest", "--data", str(path), "--target", "target", "--time-column", "ts", "--window", "1D",
                 "--task", "regression", "--estimator", "linear_regression", "--quiet",
                 "--output", str(tmp_path / "out"), *extra])


def test_a_gate_on_another_metric_than_the_realized_rules_is_said(tmp_path):
    _heavy().to_csv(tmp_path / "heavy.csv", index=False)
    with pytest.warns(UserWarning, match="primary metric mae") as caught:
        assert _replay(tmp_path / "heavy.csv", tmp_path, "--primary-metric", "mae",
                       "--thresholds", '{"mae": 50}') == 0
    note = next(str(w.message) for w in caught if "primary metric mae" in str(w.message))
    assert "judge, rmse (monitoring.metric)" in note and "mae.ci_low" in note and "from rmse.ci_low" in note, note


def test_the_same_metric_or_another_policy_says_nothing(tmp_path, recwarn):
    _heavy().to_csv(tmp_path / "heavy.csv", index=False)
    assert _replay(tmp_path / "heavy.csv", tmp_path, "--thresholds", '{"rmse": 100}') == 0
    assert _replay(tmp_path / "heavy.csv", tmp_path, "--primary-metric", "mae", "--thresholds", '{"mae": 50}',
                   "--policy", "always") == 0
    assert not [w for w in recwarn if "primary metric" in str(w.message)]
