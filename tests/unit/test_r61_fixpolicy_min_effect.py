"""The review of r61-policy's ``realized_min_effect`` (docs/backtest-quality.md, "Stop 61: a confident loss must
also be a material one"): each case failed on main ad63338a.

H1: a regressor's minimum was 1 % of its gate holdout's label variance — a point of R², eleven times the whole
squared error of a champion with R² 0.999 — so an RMSE 28 % worse did not fire. The goal counts a regressor's
points as 1 % of its error: the minimum is now 1 % of the gate's squared error (0.5 % of the RMSE) and 0.5 % of
its absolute error. M1: the recovery's "confidently behind" had no minimum. M2: ``realized_z`` asked the minimum of
the loss against the gate only, while its z-test also asks it against the champion's pooled level. L1: a gate
holdout of one class has a Brier score of chance of 0, and the minimum was silently 0."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ctloop.config import MonitoringRules
from ctloop.monitoring import policy, triggers
from ctloop.monitoring.rules import decide, min_effect

DEFAULT = MonitoringRules().active()


def window(k: int = 13, **fields) -> dict:
    return {"window_end": f"2024-04-{k:02d}T00:00:00+00:00", "rows": 3000, "realized_rows": 3000,
            "champion_version": "2", **fields}


def near_exact_regressor(noise: float, seed: int) -> tuple[dict, dict]:
    """``y = 10 x + 0.3 noise e`` (R² 0.999), 3000 rows, the champion ``10 x``: its gate (noise 1) and a window
    whose noise is ``noise`` times the gate's (the reviewer's /tmp/r61chk/reg2.py)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=3000)
    gate = triggers.regression_reference(10 * x + 0.3 * rng.normal(size=3000), 10 * x)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=3000)
    record = window(**triggers.realized_regression(10 * x + 0.3 * noise * rng.normal(size=3000), 10 * x))
    record["realized"] = math.sqrt(record["mse"])
    return record, gate


@pytest.mark.parametrize("noise", [1.15, 1.3])
def test_a_near_exact_regressors_material_loss_fires(noise):
    """An RMSE about 16 % or 31 % above the gate's (seed 1's data; the reviewer's stream: 15 % or 28 %): before the
    review fix ``no material loss`` (its minimum was 0.99 of squared error, 11 times the gate's 0.0894)."""
    record, gate = near_exact_regressor(noise, 1)
    assert gate["mse"] == pytest.approx(0.0894, abs=5e-4) and gate["mse_chance"] > 98
    verdict = decide([], record, DEFAULT, metric="rmse", champion_gate=gate)
    assert verdict.fire and verdict.rule == "realized_z", verdict.reason


def test_a_regressors_minimum_is_half_a_point_of_its_own_error():
    """0.5 points of the goal are 0.5 % of the RMSE: (1.005)² - 1 ≈ 1 % of the squared error; 0.5 % of the MAE."""
    gate = {"mse": 0.0894, "mae": 0.2388, "mse_chance": 98.96, "mae_chance": 7.99}
    least, what = min_effect("squared error", gate, 0.01)
    assert least == pytest.approx(0.000894)
    assert what == "0.01 of 0.0894, the champion's squared error at its gate"
    assert math.sqrt(gate["mse"] + least) / math.sqrt(gate["mse"]) - 1 == pytest.approx(0.005, abs=2e-5)
    assert min_effect("absolute error", gate, 0.01)[0] == pytest.approx(0.005 * 0.2388)
    assert min_effect("squared error", gate, 0.02)[0] == pytest.approx(0.02 * 0.0894)


def test_a_collapsed_gate_error_is_floored_at_the_labels_spread():
    """A near-exact champion's gate error (R² above 0.9999) is floored at 1e-4 of the label variance (an RMSE of
    1 % of the labels' standard deviation) and 1 % of their mean absolute deviation: its standard errors collapse
    with it, and a loss of 1e-9 would be confident (the krkp defect, in a regressor)."""
    gate = {"mse": 1e-8, "mse_se": 1e-10, "mae": 1e-4, "mae_se": 1e-6, "mse_chance": 100.0, "mae_chance": 8.0}
    least, what = min_effect("squared error", gate, 0.01)
    assert least == pytest.approx(0.01 * 0.01)
    assert what.startswith("0.01 of 0.0100, 0.0001 of the gate holdout's label variance"), what
    assert min_effect("absolute error", gate, 0.01)[0] == pytest.approx(0.005 * 0.08)
    record = window(realized=math.sqrt(2e-8), mse=2e-8, mse_se=1e-10, mae=1.4e-4, mae_se=1e-6)
    verdict = decide([], record, DEFAULT, metric="rmse", champion_gate=gate)
    assert not verdict.fire and "not material" in verdict.reason, verdict.reason


def test_behind_its_level_by_less_than_the_minimum_is_not_behind():
    """The reviewer's /tmp/r61chk/behind.py: 0.0015 of ROC AUC below the level before the change (se 0.0004)."""
    current = {"realized_rows": 2000, "realized": 0.998, "realized_se": 0.0003}
    levels = {"change_level": (0.9995, 0.0002)}
    assert policy._behind(current, levels, 2.326, 100, "roc_auc", None, {}) == "realized"  # the rule off
    assert policy._behind(current, levels, 2.326, 100, "roc_auc", 0.01, {}) is None
    assert policy._behind({**current, "realized": 0.994}, levels, 2.326, 100, "roc_auc", 0.01, {}) == "realized"
    reg = {"realized_rows": 3000, "mse": 0.0904, "mse_se": 0.0001, "mae": 0.2390, "mae_se": 0.0001}
    reg_levels = {"change_level": (0.0894, 0.0001), "change_level_mae": (0.2388, 0.0001)}
    gate = {"mse": 0.0894, "mae": 0.2388}
    assert policy._behind(reg, reg_levels, 2.326, 100, "rmse", None, gate) == "mse"
    assert policy._behind(reg, reg_levels, 2.326, 100, "rmse", 0.01, gate) == "mse"  # 0.001 >= 0.000894
    assert policy._behind({**reg, "mse": 0.0900}, reg_levels, 2.326, 100, "rmse", 0.01, gate) is None


def level_windows(last: float) -> list:
    """The reviewer's /tmp/r61chk/level.py: a gate of 0.999, six windows at 0.9975 (se 0.0005), then ``last``."""
    gate = {"roc_auc": 0.999, "roc_auc_se": 0.0002, "brier": 0.002, "brier_se": 0.001, "brier_chance": 0.5}
    history, verdicts = [], []
    for k, value in enumerate([0.9975] * 6 + [last]):
        record = {**window(k + 1, rows=2000, realized_rows=2000), "realized": value, "realized_se": 0.0005,
                  "brier": 0.002, "brier_se": 0.001}
        verdicts.append(decide(history, record, DEFAULT, metric="roc_auc", champion_gate=gate))
        record["triggered"] = verdicts[-1].fire
        history.append(record)
    return verdicts


def test_a_window_material_against_the_gate_but_not_against_the_level_does_not_fire():
    """Window 7 at 0.9938: 0.0052 below the gate, ~0.0045 below the champion's pooled level (~0.9983): main fired
    ``realized_z ... worse by 0.0052``; the z-test asks for the loss against both, and so does the minimum now."""
    verdicts = level_windows(0.9938)
    assert not any(v.fire for v in verdicts), [v.reason for v in verdicts]
    assert "roc_auc worse by 0.004" in verdicts[-1].reason and "not material" in verdicts[-1].reason, \
        verdicts[-1].reason


def test_a_window_material_against_both_fires():
    verdicts = level_windows(0.9915)
    assert not any(v.fire for v in verdicts[:6])
    assert verdicts[-1].fire and verdicts[-1].rule == "realized_z", verdicts[-1].reason


def test_a_one_class_gate_holdout_floors_the_brier_scale():
    """krkp at q = 0.999 with 500 rows: the gate's holdout held no positive, ``brier_chance`` 0, and main's minimum
    was silently 0 (a loss of 9e-07 fired again). The floor is the Brier score of a class share of one row in the
    holdout's rows, 2 (n - 1) / n²."""
    gate = {"roc_auc": float("nan"), "brier": 3.478e-07, "brier_se": 4.0e-09, "brier_chance": 0.0, "rows": 500}
    least, what = min_effect("Brier score", gate, 0.01)
    assert least == pytest.approx(0.01 * 2 * 499 / 500 ** 2)
    assert "class share of 1 in the gate holdout's 500 rows" in what
    record = window(realized=None, realized_se=None, brier=1.247e-06, brier_se=2.43e-08)
    verdict = decide([], record, DEFAULT, metric="roc_auc", champion_gate=gate)
    assert not verdict.fire, verdict.reason
    assert "not material" in verdict.reason, verdict.reason


def test_a_false_alarms_recovery_ends_when_its_gap_is_not_material():
    """policy._unconfirmed (the recovery's false-alarm end, called from judge) passes the rules'
    realized_min_effect on to _behind (fixpolicy review M1: the two call sites were untested): a champion 0.0015
    of ROC AUC below the level before the change is not behind it, so the recovery ends; with the rule off, or
    0.0055 below, it is behind and the recovery goes on."""
    loss = {"champion_version": "1", "loss_z": 2.5, "change_level": 0.9995, "change_level_se": 0.0002}
    current = {"champion_version": "1", "realized_rows": 2000, "realized": 0.998, "realized_se": 0.0003}
    rules = {**DEFAULT}
    assert policy._unconfirmed(loss, current, rules, {}, "roc_auc", 100)
    assert not policy._unconfirmed(loss, current, {**rules, "realized_min_effect": None}, {}, "roc_auc", 100)
    assert not policy._unconfirmed(loss, {**current, "realized": 0.994}, rules, {}, "roc_auc", 100)
