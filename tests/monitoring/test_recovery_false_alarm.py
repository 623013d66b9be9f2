"""A recovery follows a change, and the retrain of the loss that started it is its first evidence.
When that retrain was not confidently better than the champion it replaced (the gate's paired
bootstrap, ``<metric>.ci_low`` not above 0), the loss was not strong (record ``loss_z`` below a
tenth of ``realized_z``'s one-sided tail: 3.09 standard errors for 2.326) and the champion is not
confidently behind the level before the loss, nothing confirms a change: the recovery ends there.
Was: a loss's retrain that did not pay doubled the gap, and every later retrain that "paid" by any
positive margin reset it; on a stream that does not drift a positive margin is a coin flip, so the
recovery after a false alarm went on for as long as the coin kept landing well (review9: a
regressor on a stable stream whose first gate was lucky, 15 retrains in 66 windows).

The end-to-end test replays stable regression streams (``y = 3·x1 + noise``: normal and Student
t3 noise, half-hourly rows, weekly windows) whose first gates were lucky enough for the realized
rules to fire once — the shape review9 found; ``benchmarks/bench_regression_controls.py`` replays
48 such controls, level shifts and river's Friedman drift streams.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.config import GateConfig, TrainingConfig
from ctloop.monitoring import policy
from tests.monitoring.test_policy import GATE, RULES, quiet, record, walk

MARGINAL = 0.866  # 0.034 below the gate's 0.90, se 0.01 each: 2.40 standard errors (> 2.326, < 3.09)


def gate(delta: float, ci_low: float) -> dict:
    return {**GATE, "roc_auc.delta": delta, "roc_auc.ci_low": ci_low}


def test_the_strong_loss_threshold_is_a_tenth_of_realized_zs_tail():
    assert policy._strong_z(2.326) == pytest.approx(3.090, abs=1e-3)
    assert policy._strong_z(None) == pytest.approx(3.090, abs=1e-3)  # without realized_z: the CUSUM's 2.326
    assert policy._strong_z(3.0) == pytest.approx(3.643, abs=1e-3)


def test_a_marginal_loss_whose_retrain_was_not_confidently_better_ends_the_recovery():
    """The loss's retrain replaced the champion by a margin inside the gate's noise (delta +0.004,
    ci_low -0.03) and the champion is back at the level: no recovery retrain follows (on main:
    one every two windows, each "paying" by +0.004)."""
    stable = [(record(1, "1", MARGINAL), GATE)] + [(record(d, "2", 0.90), gate(0.004, -0.03)) for d in range(2, 14)]
    assert walk(stable, min_gap=2) == ["realized_z"] + ["none"] * 12


def test_a_confidently_better_retrain_a_strong_loss_or_a_champion_still_behind_keeps_the_recovery():
    paying = [(record(1, "1", MARGINAL), GATE)] + [(record(d, "2", 0.90), gate(0.04, 0.01)) for d in range(2, 6)]
    assert walk(paying, min_gap=2) == ["realized_z", "none", "recovery", "none", "none"]
    strong = [(record(1, "1", 0.80), GATE)] + [(record(d, "2", 0.90), gate(0.004, -0.03)) for d in range(2, 6)]
    assert walk(strong, min_gap=2) == ["realized_z", "none", "recovery", "none", "none"]  # 7.1 se: a change
    low = {"roc_auc": 0.85, "roc_auc_se": 0.01, "roc_auc.delta": 0.004, "roc_auc.ci_low": -0.03}
    behind = [(record(1, "1", MARGINAL), GATE), (record(2, "2", 0.85), low), (record(3, "3", 0.90), gate(0.05, 0.02))]
    assert walk(behind, min_gap=2) == ["realized_z", "recovery", "none"]  # 0.85 vs 0.90 before: 3.5 se behind


def test_the_recovery_ends_with_a_stated_reason_and_no_change_carried():
    history: list[dict] = []
    for current, champion_gate in [(record(1, "1", MARGINAL), GATE), (record(2, "2", 0.90), gate(0.004, -0.03))]:
        current = {**current, "window_end": current["window_end"].isoformat()}
        verdict = policy.judge(history, current, {"realized_z": 2.326, "cusum_h": 5.0}, champion_gate=champion_gate,
                               metric="roc_auc", min_labels=100, window="1D")
        history.append(current)
    assert history[0]["change"] == history[0]["window_end"] and history[0]["loss_z"] == pytest.approx(0.034 / 0.01414, rel=1e-3)
    assert history[1]["change"] is None and history[1]["gap"] is None and history[1]["change_level"] is None
    assert "recovery ends: the loss's retrain was not confidently better than the champion" in verdict.reason


def test_a_rejected_retrain_of_a_marginal_loss_ends_the_recovery_once_the_champion_is_back():
    """The loss's challenger was rejected (the champion is still judged) and the next window is
    back at the level: nothing was learnt, nothing to follow (on main: a retry 4 windows later)."""
    rejected = [(record(1, "1", MARGINAL), GATE)] + [(record(d, "1", 0.90), GATE) for d in range(2, 8)]
    assert walk(rejected, min_gap=2) == ["realized_z"] + ["none"] * 6


def test_a_loss_in_the_window_after_carries_the_change_on():
    """A second loss right after the first is the change going on, whatever the first retrain did:
    its retrain trains on the data since the first (``train_since``), as before."""
    history: list[dict] = quiet(6)
    for current, champion_gate in [(record(1, "1", MARGINAL), GATE), (record(2, "2", 0.80), gate(0.004, -0.03))]:
        current = {**current, "window_end": current["window_end"].isoformat()}
        policy.judge(history, current, {"realized_z": 2.326, "cusum_h": 5.0}, champion_gate=champion_gate,
                     metric="roc_auc", min_labels=100, window="1D")
        history.append(current)
    loss, again = history[-2:]
    assert again["rule"] == "realized_z" and again["change"] == loss["window_end"]
    assert again["train_since"] == loss["window_end"]


def stable_stream(seed: int, noise: str, n: int = 24000) -> pd.DataFrame:
    """``y = 3·x1 + noise`` every 30 minutes (500 days): nothing drifts."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    e = rng.normal(size=n) if noise == "normal" else rng.standard_t(3, size=n)
    return pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="30min", tz="UTC"), "x1": x1, "x2": x2,
                         "amount": 3 * x1 + e})


@pytest.mark.parametrize("seed,noise", [(21, "normal"), (32, "normal"), (33, "t3"), (34, "t3")])
def test_a_regressor_on_a_stable_stream_retrains_at_most_once(seed, noise):
    """review9's streams: a lucky first gate, an alarm, then (on main) a recovery of 6 to 15
    retrains that each paid by a margin inside the gate's noise. The default policy now retrains
    at most once, and the one retrain is the alarm's."""
    cfg = BacktestConfig(target="amount", time_column="ts", window="7D", policy="default",
                         training=TrainingConfig(task="regression"),
                         gate=GateConfig(thresholds={"rmse": 10}), min_labels=100)
    report = run_backtest(stable_stream(seed, noise), cfg)
    retrained = [w.rule for w in report.windows if w.retrained and w.rule != "initial"]
    assert len(retrained) <= 1 and "recovery" not in retrained, retrained


def test_a_loss_the_budget_defers_in_the_window_after_carries_the_change_on():
    """The window after the loss shows a confident loss again (0.90 against the new champion's
    gate 0.95: 3.5 standard errors), but the budget defers its retrain (the loss spent the only
    token of a fresh budget). The rules found the change going on: the budget limits how often
    the policy retrains, not what it believes — with a saved budget the same windows carry the
    change on, so they must here too (the loss's level, 0.90, and training on the data since the
    loss once the budget lets the retrain start)."""
    high = {"roc_auc": 0.95, "roc_auc_se": 0.01, "roc_auc.delta": 0.004, "roc_auc.ci_low": -0.03}
    windows = [(record(1, "1", MARGINAL), GATE), (record(2, "2", 0.90), high), (record(3, "2", 0.90), high)]
    for saved in (True, False):
        history: list[dict] = quiet(6) if saved else []
        for current, champion_gate in windows:
            current = {**current, "window_end": current["window_end"].isoformat()}
            policy.judge(history, current, {"realized_z": 2.326, "cusum_h": 5.0}, champion_gate=champion_gate,
                         metric="roc_auc", min_labels=100, window="1D")
            history.append(current)
        loss, after = history[-3], history[-2]
        assert after["change"] == loss["window_end"], (saved, after["rule"], after["change"])
        assert after["change_level"] == pytest.approx(0.90), saved
        if not saved:
            assert after["rule"] == "cooldown"
            again = history[-1]
            assert again["rule"] in policy.LOSS_RULES and again["train_since"] == loss["window_end"], again


def test_a_loss_is_sized_against_the_level_that_confirmed_it():
    """realized_z fires only when a window is also confidently worse than what the champion has
    served, when that is below its gate. The loss's size (``loss_z``) is then the smaller of the
    two: a champion whose gate (0.90) was lucky and that served 0.875 for five windows, one window
    at 0.85 — 3.5 standard errors below the gate, about 2.7 below the level it served — is not a
    strong loss, and a retrain that did not confirm it ends the recovery (review10; was: 3.5, strong,
    the recovery went on)."""
    served = [(record(d, "1", 0.875), GATE) for d in range(1, 6)]
    windows = served + [(record(6, "1", 0.85), GATE)] + [(record(d, "2", 0.90), gate(0.004, -0.03)) for d in (7, 8, 9)]
    history = quiet(6)
    for current, champion_gate in windows:
        current = {**current, "window_end": current["window_end"].isoformat()}
        policy.judge(history, current, RULES, champion_gate=champion_gate, metric="roc_auc", min_labels=100,
                     window="1D")
        history.append(current)
    loss = history[-4]
    assert loss["rule"] == "realized_z" and 2.326 < loss["loss_z"] < 3.09, loss
    assert [h["rule"] for h in history[-3:]] == ["none"] * 3 and history[-1]["change"] is None


def test_a_retrain_still_running_in_the_cooldown_has_no_outcome_to_end_the_recovery_on():
    """Windows shorter than the rules' cooldown (a training run): the window after the loss is
    judged while the champion is not replaced yet. That is no outcome: the recovery goes on, its gap
    as it was (the outcome is read in the first window that has it, review11). Was: read as "not
    confidently better", the recovery ended."""
    rules = {**RULES, "cooldown": "36h"}
    history = quiet(6)
    for current, champion_gate in [(record(1, "1", MARGINAL), GATE), (record(2, "1", 0.90), GATE)]:
        current = {**current, "window_end": current["window_end"].isoformat()}
        policy.judge(history, current, rules, champion_gate=champion_gate, metric="roc_auc", min_labels=100,
                     window="1D")
        history.append(current)
    loss, cooling = history[-2:]
    assert loss["rule"] == "realized_z" and cooling["rule"] == "cooldown", cooling
    assert cooling["change"] == loss["window_end"] and cooling["gap"] == 2


@pytest.mark.parametrize("trigger_only_for_cooldown", [False, True])
def test_the_outcome_of_a_retrain_that_outlasted_the_window_is_read_once_it_is_in(trigger_only_for_cooldown):
    """review11: the window after the loss is in the rules' cooldown (36h, daily windows) with the
    champion not replaced yet; the next one has the outcome — a challenger not confidently better
    (delta +0.004, ci_low -0.03), the champion back at the level, the loss marginal. That is the
    false alarm of test_a_marginal_loss_whose_retrain_was_not_confidently_better_ends_the_recovery,
    one window later: the recovery ends there. Was: the outcome was never read (the pending window
    doubled the gap as for a retrain that did not pay; the window with the outcome was not after a
    triggered one) and the recovery retrained four windows after the loss.
    ``trigger_only_for_cooldown``: monitoring's history (store.history) holds the trigger only as
    its ``cooldown_only`` record when it is older than the recent windows (hourly windows, 24h; here
    the recent windows are the previous one)."""
    rules = {**RULES, "cooldown": "36h"}
    history = quiet(6)
    windows = ([(record(1, "1", MARGINAL), GATE), (record(2, "1", 0.90), GATE)]
               + [(record(d, "2", 0.90), gate(0.004, -0.03)) for d in range(3, 10)])
    for current, champion_gate in windows:
        current = {**current, "window_end": current["window_end"].isoformat()}
        stored = ([{**h, "cooldown_only": True} if h.get("triggered") and h is not history[-1] else h
                   for h in history] if trigger_only_for_cooldown else history)  # recent: the previous window
        policy.judge(stored, current, rules, champion_gate=champion_gate, metric="roc_auc", min_labels=100,
                     window="1D")
        history.append(current)
    judged = history[-len(windows):]
    assert [h["rule"] for h in judged] == ["realized_z", "cooldown"] + ["none"] * 7, [h["rule"] for h in judged]
    pending, read = judged[1], judged[2]
    assert pending["change"] == judged[0]["window_end"] and pending["gap"] == 2, pending  # no outcome yet
    assert read["change"] is None, read
