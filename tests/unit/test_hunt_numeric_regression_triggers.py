"""A regressor's realized-rule statistics (``triggers.realized_regression`` on served labels,
``triggers.regression_reference`` at the gate) on targets in extreme units.

The standard error of the squared error is the std of the squares of the squared errors, so it
overflowed to ``inf`` once the errors passed ~1e77 (the z-test on the squared error then never
fired, and ``inf`` was recorded), and the absolute error's once they passed ~1e154; at the other
end the squares underflowed to 0 (errors ~1e-100: a standard error of exactly 0). Now each (mean,
se) pair is computed on the errors divided by the largest, so it is the value of the same data in
units ~1 times the scale; a pair the rules cannot use (they square the se and divide by its
square: beyond ±metrics.LARGEST_VALUE, or a se below its inverse) is left out, as a statistic that
was not recorded (``rules._regression_losses``), never ``inf`` or a wrong 0."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ctloop.metrics import LARGEST_VALUE
from ctloop.monitoring import policy, triggers

PAIRS = {"mse": 2, "mse_se": 2, "mae": 1, "mae_se": 1}  # key -> power of the scale


def _errors(seed=0, n=300, noise=1.0):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    return y, y + rng.normal(size=n) * noise


def _check(got, unit, scale):
    for key, power in PAIRS.items():
        if key not in got:  # left out: not usable by the rules at this scale
            continue
        value = got[key]
        assert math.isfinite(value), (scale, key, value)
        assert abs(value) <= LARGEST_VALUE and (not key.endswith("_se") or value >= 1 / LARGEST_VALUE), (key, value)
        assert value == pytest.approx(unit[key] * scale**power, rel=1e-9), (scale, key, value)
    for mean in ("mse", "mae"):  # a pair is recorded whole or not at all
        assert (mean in got) == (f"{mean}_se" in got), (scale, got)


@pytest.mark.parametrize("scale", [1e60, 1e76, 1e78, 1e100, 1e150, 1e-60, 1e-100, 1e-170])
def test_the_pairs_are_those_of_the_data_in_units_of_one_or_left_out(scale):
    y, pred = _errors()
    for fn in (triggers.realized_regression, triggers.regression_reference):
        unit = fn(y, pred)
        _check(fn(y * scale, pred * scale), unit, scale)


def test_what_the_rules_can_use_is_kept():
    """Within the rules' range both pairs are recorded: errors ~1e70 (squared-error se ~1e139, was
    fine) and the absolute error up to errors ~1e150 (its se overflowed past ~1e154), errors
    ~1e-70 (the squared error's se was 0 below ~1e-81)."""
    y, pred = _errors()
    assert set(PAIRS) <= set(triggers.realized_regression(y * 1e70, pred * 1e70))
    assert {"mae", "mae_se"} <= set(triggers.realized_regression(y * 1e140, pred * 1e140))
    got = triggers.realized_regression(y * 1e-70, pred * 1e-70)
    assert got["mse_se"] > 0 and got["mae_se"] > 0


@pytest.mark.parametrize("scale", [1.0, 1e78, 1e120, 1e-90, 1e-140])
def test_the_policy_judges_a_tripled_error_at_any_scale(scale):
    """The rules fired on the absolute error while the squared error's se was inf; with finite but
    huge (or tiny) se they would square it (Python floats: OverflowError, or a square of 0 and a
    ZeroDivisionError): the pairs they get are within their range, and the loss is still found."""
    rules = {"realized_z": 3.0, "cusum_h": 5.0}
    yg, pg = _errors(seed=1, n=400)
    gate = {**triggers.regression_reference(yg * scale, pg * scale), "rmse": scale}
    history: list = []
    fired = []
    for w in range(6):
        y, pred = _errors(seed=10 + w, noise=1.0 if w < 3 else 3.0)
        record = {"window_end": f"2024-01-0{w + 1}T00:00:00", "rows": 300, "realized_rows": 300,
                  "realized": float(np.sqrt(np.mean((y - pred) ** 2))) * scale, "champion_version": "1",
                  **triggers.realized_regression(y * scale, pred * scale)}
        verdict = policy.judge(history, record, rules, champion_gate=gate, metric="rmse", min_labels=50)
        history.append(record)
        fired.append(verdict.rule if verdict.fire else None)
    assert fired[:3] == [None, None, None] and fired[3] == "realized_z", (scale, fired)


def test_a_large_loss_is_written_in_four_significant_digits():
    """The rules' reason for a regressor of target ~1e60 wrote its squared error as a 120-digit
    fixed-point number."""
    from ctloop.monitoring.rules import _num

    assert _num(3.14159e120) == "3.142e+120" and _num(1234.56789) == "1234.5679" and _num(0.001234) == "0.001234"
