"""Two small streams for stop 61's rule (docs/backtest-quality.md, "Stop 61: a confident loss must also be a
material one"), replayed by ``ctloop backtest``'s default policy (the engine monitoring shares), with the product's
default estimator.

1. A near-perfect champion meets rows nearer its boundary (still separable): its Brier score rises from 0.00046
   at its gate to about 0.005, its ROC AUC stays 1.0. Seen failing on main (7f2fc90e): the CUSUM fired at window
   16 (`CUSUM of realized losses 5.5 >= 5.0 (roc_auc 1.0000 vs 1.0000 at the gate, Brier score 0.004693 vs
   0.0004559 ...)`) and spent a retrain that gained nothing (mean ROC AUC 1.0000 either way). The run's mean loss
   is less than ``realized_min_effect``'s 0.005 (1 % of the gate's 0.5): not confirmed.
2. Junk labels (1 % flipped at random, no drift). At a constant rate the gate's holdout holds them as the served
   windows do: nothing to retrain for (0 retrains, on main too). Where they start after the gate (a clean holdout,
   noisy served labels) the served loss is higher by a constant, material (a flipped label costs a confident
   model about 2 of Brier score: 0.02 a window against a minimum of 0.005) and, from the labels alone, no
   different from a model 1 % worse: one retrain re-measures the reference on labels with the junk in them, and
   the rules are quiet after it. That is what the rule should do, and it does (unchanged by stop 61; a guard:
   these pass on main too, two seeds each).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.config import TrainingConfig

pytestmark = pytest.mark.filterwarnings("ignore")


def config() -> BacktestConfig:
    return BacktestConfig(target="y", time_column="ts", window="1D", policy="default",
                          training=TrainingConfig(seed=0))


def frame(a: np.ndarray, b: np.ndarray, y: np.ndarray, n: int) -> pd.DataFrame:
    return pd.DataFrame({"a": a, "b": b, "y": y,
                         "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(len(y)) * 86400.0 / n, unit="s")})


def nearer_the_boundary(seed: int = 700, days: int = 20, n: int = 300) -> pd.DataFrame:
    """``y = a > 0``, ``|a| >= 0.5`` (separable); from day 10 ``|a|`` in [0.5, 0.8] (nearer the boundary)."""
    rng = np.random.default_rng(seed)
    size = days * n
    mag = 0.5 + np.abs(rng.normal(size=size))
    late = np.arange(size) >= 10 * n
    mag[late] = rng.uniform(0.5, 0.8, size=late.sum())
    a = np.where(rng.random(size) < 0.5, -1, 1) * mag
    return frame(a, rng.normal(size=size), (a > 0).astype(int), n)


def junk_labels(seed: int, clean_days: int, noise: float = 0.01, days: int = 30, n: int = 300) -> pd.DataFrame:
    """``y = a > 0``, a share ``noise`` of the labels flipped at random from day ``clean_days`` on; no drift."""
    rng = np.random.default_rng(seed)
    size = days * n
    a, b = rng.normal(size=size), rng.normal(size=size)
    y = (a > 0).astype(int)
    flip = (rng.random(size) < noise) & (np.arange(size) >= clean_days * n)
    y[flip] = 1 - y[flip]
    return frame(a, b, y, n)


def test_an_immaterial_cusum_run_of_a_near_perfect_champion_spends_no_retrain():
    report = run_backtest(nearer_the_boundary(), config())
    assert report.retrains == 0, [(w.index, w.rule, w.reason[:200]) for w in report.windows if w.retrained]
    assert report.mean_metric == pytest.approx(1.0, abs=1e-4)
    window = next(w for w in report.windows if w.index == 16)
    assert "not confirmed: the mean loss of its" in window.reason and "no material loss" in window.reason, \
        window.reason


@pytest.mark.parametrize("seed", [600, 601])
def test_junk_labels_at_a_constant_rate_fire_nothing(seed):
    report = run_backtest(junk_labels(seed, clean_days=0), config())
    assert report.retrains == 0, [(w.index, w.rule, w.reason[:200]) for w in report.windows if w.retrained]


@pytest.mark.parametrize("seed", [600, 602])
def test_junk_labels_that_start_after_the_gate_cost_one_retrain(seed):
    report = run_backtest(junk_labels(seed, clean_days=10), config())
    fired = [(w.index, w.rule) for w in report.windows if w.retrained and w.rule != "initial"]
    # one retrain on the loss, by either realized rule: which one a seed's junk fires first is chance (the
    # docs' table: realized_z or cusum, windows 10-13); the guard is that it is one (review of r61-policy, L4)
    assert len(fired) == 1 and fired[0][1] in ("realized_z", "cusum"), fired
