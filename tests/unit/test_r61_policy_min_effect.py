"""A confident loss must also be a material one (issue 14, stop 61; docs/backtest-quality.md, "Stop 61: a
confident loss must also be a material one").

Stop 60's krkp_one_class_days (docs/backtest-quality.md, "Unseen streams, seventh batch"): at window 12 a
champion whose Brier score was 3.478e-07 at its gate served 1.247e-06 on 200 labels of one class (its ROC AUC
undefined), worse by 8.99e-07 with a standard error of the difference of 2.464e-08, and ``realized_z`` spent a
retrain on it. The standard error of a near-perfect model's Brier scores collapses, and no floor stopped it.

``realized_min_effect`` (default 0.01) is the smallest loss ``realized_z`` and the CUSUM's confirmation count, as
a share of the distance between chance and perfect on each statistic's scale: 0.005 of ROC AUC (issue 14's
tolerance of 0.5 points of the 0.5 between chance and 1), 1 % of the Brier score of predicting the gate holdout's
class shares (``brier_chance``), 1 % of the variance of its labels (``mse_chance``) and of their mean absolute
deviation from their median (``mae_chance``). Seen failing on main (7f2fc90e): the record fires ``realized_z``,
the gate records no chance level, and the key is unknown."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ctloop.config import ConfigError, MonitoringConfig, MonitoringRules
from ctloop.monitoring import triggers
from ctloop.monitoring.rules import decide, min_effect

DEFAULT = MonitoringRules().active()


def window(**fields) -> dict:
    return {"window_end": "2024-04-13T00:00:00+00:00", "rows": 200, "realized_rows": 200,
            "champion_version": "2", **fields}


def krkp_window_12() -> tuple[dict, dict]:
    """The record and gate of krkp_one_class_days' window 12: 200 labels of one class (no ROC AUC), the Brier
    score of a near-perfect champion. From the real replays: the Brier scores 1.247e-06 served and 3.478e-07 at
    the gate, the standard error of the difference 2.464e-08 (main b7c7e390), and the gate's ``brier_chance``
    0.2888 (a class share of 17.5 %: 1 - 0.175² - 0.825²), which r61-policy's replay reported
    (docs/backtest-quality.md, "Stop 61": ``Brier score 8.988e-07 < the minimum effect 0.002888 (0.01 of 0.2888,
    the Brier score of predicting the gate holdout's class shares)``). Synthetic: the gate's ``brier_se``, ROC
    AUC and ``rows`` (so the loss here is 8.992e-07, from the rounded Brier scores)."""
    gate = {"roc_auc": 0.9999, "roc_auc_se": 0.0002, "brier": 3.478e-07, "brier_se": 4.0e-09,
            "brier_chance": 0.2888, "rows": 240}
    record = window(realized=None, realized_se=None, brier=1.247e-06, brier_se=math.sqrt(2.464e-08 ** 2 - 4.0e-09 ** 2))
    return record, gate


def test_a_near_perfect_champions_confident_but_tiny_brier_loss_does_not_fire():
    record, gate = krkp_window_12()
    verdict = decide([], record, DEFAULT, metric="roc_auc", champion_gate=gate)
    assert not verdict.fire, verdict.reason
    assert verdict.rule == "none"
    assert "Brier score worse by 8.992e-07, confident but less than the minimum effect 0.002888" in verdict.reason
    assert "0.01 of 0.2888, the Brier score of predicting the gate holdout's class shares): not material" \
        in verdict.reason


def test_off_any_confident_loss_fires_as_before():
    record, gate = krkp_window_12()
    verdict = decide([], record, {**DEFAULT, "realized_min_effect": None}, metric="roc_auc", champion_gate=gate)
    assert verdict.fire and verdict.rule == "realized_z", verdict.reason
    assert "worse by 8.992e-07 > 2.326 x se 2.464e-08" in verdict.reason


def test_a_gate_without_a_chance_level_judges_any_confident_loss_as_before():
    """A champion registered before round 61 recorded no ``brier_chance``: its Brier loss has no scale, and the
    rule does what it did (its ROC AUC's minimum needs nothing from the gate)."""
    record, gate = krkp_window_12()
    gate.pop("brier_chance")
    verdict = decide([], record, DEFAULT, metric="roc_auc", champion_gate=gate)
    assert verdict.fire and verdict.rule == "realized_z", verdict.reason


def test_a_material_brier_loss_still_fires():
    """krkp's windows 13 and 14 (Brier 0.56 and 2.00 against the same gate) are material losses."""
    record, gate = krkp_window_12()
    record.update(brier=0.56, brier_se=0.03)
    verdict = decide([], record, DEFAULT, metric="roc_auc", champion_gate=gate)
    assert verdict.fire and verdict.rule == "realized_z", verdict.reason


@pytest.mark.parametrize(("realized", "fires"), [(0.9955, False), (0.9935, True)])
def test_roc_auc_loss_below_half_a_point_does_not_fire(realized, fires):
    """ROC AUC 0.999 at the gate, a window 0.0035 below (z 6.5, but less than 0.5 points) or 0.0055 below."""
    gate = {"roc_auc": 0.999, "roc_auc_se": 0.0002, "brier": 0.002, "brier_se": 0.001, "brier_chance": 0.5}
    record = window(realized=realized, realized_se=0.0005, brier=0.002, brier_se=0.001)
    verdict = decide([], record, DEFAULT, metric="roc_auc", champion_gate=gate)
    assert verdict.fire is fires, verdict.reason
    if not fires:
        assert "roc_auc worse by 0.0035, confident but less than the minimum effect 0.005 (0.01 of the 0.5 " \
               "between a chance and a perfect ROC AUC): not material" in verdict.reason


@pytest.mark.parametrize(("mse", "mae", "fires"), [(1.008, 0.803, False), (1.3, 0.803, True), (1.008, 0.83, True)])
def test_regressor_losses_are_judged_in_the_goals_units_of_its_own_error(mse, mae, fires):
    """A regressor with a squared error of 1.0 (absolute 0.8) at its gate, labels of variance 100 (mean absolute
    deviation 8). The goal counts a point as 1 % of the error (0.5 points = 0.5 % of the RMSE): the minimums are
    1 % of the gate's squared error (0.01; an RMSE 0.5 % higher) and 0.5 % of its absolute error (0.004). A
    squared error 0.008 worse and an absolute error 0.003 worse, each confident, are no material loss; an RMSE
    14 % higher, or an MAE 3.75 % higher, is. Until the review of r61-policy (H1) the scale was the labels'
    spread (minimums 1.0 and 0.08): a 14 % higher RMSE did not fire."""
    gate = {"mse": 1.0, "mse_se": 0.0005, "mae": 0.8, "mae_se": 0.0005, "mse_chance": 100.0, "mae_chance": 8.0}
    record = window(realized=math.sqrt(mse), mse=mse, mse_se=0.001, mae=mae, mae_se=0.0005)
    verdict = decide([], record, DEFAULT, metric="rmse", champion_gate=gate)
    assert verdict.fire is fires, verdict.reason
    if not fires:
        assert ("squared error worse by 0.008, confident but less than the minimum effect 0.0100 (0.01 of "
                "1.0000, the champion's squared error at its gate): not material") in verdict.reason
        assert ("absolute error worse by 0.003, confident but less than the minimum effect 0.004 (0.005 of "
                "0.8000, the champion's absolute error at its gate): not material") in verdict.reason


def test_the_minimum_effect_of_each_statistic():
    gate = {"brier_chance": 0.5, "mse_chance": 100.0, "mae_chance": 8.0}
    assert min_effect("roc_auc", gate, 0.01)[0] == pytest.approx(0.005)
    assert min_effect("Brier score", gate, 0.01)[0] == pytest.approx(0.005)
    assert min_effect("squared error", {}, 0.01) == (0.0, "")  # a gate that recorded neither
    assert min_effect("squared error", {**gate, "mse": 4.0}, 0.01)[0] == pytest.approx(0.04)
    assert min_effect("absolute error", {**gate, "mae": 1.6}, 0.01)[0] == pytest.approx(0.008)
    assert min_effect("Brier score", {}, 0.01) == (0.0, "")
    assert min_effect("roc_auc", gate, None) == (0.0, "")


def test_the_gate_records_the_chance_levels():
    y = np.array([0] * 60 + [1] * 40)
    proba = np.column_stack([np.where(y == 0, 0.9, 0.2), np.where(y == 0, 0.1, 0.8)])
    ref = triggers.gate_reference(y, proba, [0, 1])
    assert ref["brier_chance"] == pytest.approx(1 - 0.6 ** 2 - 0.4 ** 2)
    labels = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    reg = triggers.regression_reference(labels, labels + 0.5)
    assert reg["mse_chance"] == pytest.approx(np.var(labels))
    assert reg["mae_chance"] == pytest.approx(np.mean(np.abs(labels - 3.0)))


def cusum_history(brier: float, se: float, gate: dict, windows: int, rules: dict) -> list:
    """``windows`` windows in a row, each a Brier loss of 2 standard errors (not confident alone, a CUSUM
    climbing by 1.5 a window)."""
    history, verdicts = [], []
    for k in range(windows):
        record = window(window_end=f"2024-04-{k + 1:02d}T00:00:00+00:00", realized=None, realized_se=None,
                        brier=brier, brier_se=se)
        verdicts.append(decide(history, record, rules, metric="roc_auc", champion_gate=gate))
        record["triggered"] = verdicts[-1].fire
        history.append(record)
    return verdicts


def test_a_cusum_run_of_immaterial_losses_is_not_confirmed():
    gate = {"brier": 1.0e-06, "brier_se": 1.0e-08, "brier_chance": 0.5}
    se = 5.0e-08
    loss = 2.0 * math.hypot(se, 1.0e-08)
    verdicts = cusum_history(1.0e-06 + loss, se, gate, 8, DEFAULT)
    assert not any(v.fire for v in verdicts), [v.reason for v in verdicts]
    assert any("not confirmed: the mean loss of its" in v.reason and "no material loss" in v.reason
               for v in verdicts), [v.reason for v in verdicts]
    off = cusum_history(1.0e-06 + loss, se, gate, 8, {**DEFAULT, "realized_min_effect": None})
    assert any(v.fire and v.rule == "cusum" for v in off), [v.reason for v in off]


@pytest.mark.parametrize("value", [-0.1, 0, 0.5, 1, 1.5, "lots"])
def test_a_bad_minimum_effect_is_refused_naming_the_key(value):
    with pytest.raises(ConfigError, match="realized_min_effect"):
        MonitoringConfig.from_dict({"log_root": "/tmp/log", "rules": {"realized_min_effect": value}})


def test_the_key_reaches_the_rules_and_can_be_turned_off():
    assert DEFAULT["realized_min_effect"] == 0.01
    off = MonitoringRules.from_dict({"realized_min_effect": None}).active()
    assert "realized_min_effect" not in off
