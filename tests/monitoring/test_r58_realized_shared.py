"""Issue 14 item 1, "the backtest must replay exactly those rules, from the same code", on a window holding
labels of a class the champion never saw (round 58's r58-monwin found it): the backtest's default policy
scored them as errors in its realized metric (in the multiclass comparison, stop 55's rule: an unseen
class enters at an average class's share, ``rules.class_comparison``), while monitor_model left them out
(``"6 of the window's 60 labelled rows are labelled '2', a class v1 never saw: left out of the realized
metric"``). On such a window the backtest did not replay what production decides. Both now compute a
window's realized record with :func:`ctloop.monitoring.triggers.realized_record`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from ctloop import metrics as M
from ctloop.components.monitor.core import WindowJudgement, _realized
from ctloop.config import MonitoringConfig
from ctloop.labels.join import JoinResult
from ctloop.monitoring import rules as R
from ctloop.monitoring import triggers
from ctloop.monitoring.champion import Champion
from ctloop.monitoring.rules import Verdict

CLASSES = [0, 1, 2]
CENTRES = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])  # class 3: the late one


def _draw(rng: np.random.Generator, y: np.ndarray) -> np.ndarray:
    return CENTRES[y] + rng.normal(scale=0.9, size=(len(y), 2))


def _window():
    """A three-class champion, its gate (as the backtest registers it) and one window of 120 labelled rows,
    its last 30 of a class 3 that appeared late (none in training or at the gate)."""
    rng = np.random.default_rng(58)
    y_train = rng.integers(0, 3, 600)
    model = LogisticRegression().fit(_draw(rng, y_train), y_train)
    y_gate = rng.integers(0, 3, 300)
    p_gate = model.predict_proba(_draw(rng, y_gate))
    gate = {
        "roc_auc": M.compute("classification", y_gate, p_gate, CLASSES)["roc_auc"],
        **triggers.gate_reference(y_gate, p_gate, CLASSES),
    }
    y = np.concatenate([rng.integers(0, 3, 90), np.full(30, 3)])
    return model, gate, y, model.predict_proba(_draw(rng, y))


def _monitored(y: np.ndarray, proba: np.ndarray) -> WindowJudgement:
    """monitor_model's realized record of the window, its served scores logged as ``prediction_<i>``."""
    frame = pd.DataFrame(
        {
            "model": "m",
            "revision": "r1",
            "model_version": "1",
            "label": y,
            **{f"prediction_{k}": proba[:, k] for k in range(3)},
        }
    )
    out = WindowJudgement(
        pd.Timestamp("2026-01-05", tz="UTC"),
        "roc_auc",
        {"realized": None, "realized_rows": 0},
        Verdict(False, "none", ""),
    )
    champion = Champion("1", "classification", ["x1", "x2"], CLASSES, None)
    _realized(
        out,
        JoinResult(frame),
        champion,
        [f"prediction_{k}" for k in range(3)],
        None,
        list(frame.columns),
    )
    return out


def test_a_window_with_a_late_class_gets_the_backtests_realized_metric_and_verdict_in_production():
    _, gate, y, proba = _window()
    # the backtest's realized computation of a window's labelled rows (backtest.py, default policy) as it
    # was before this change and is now through realized_record: every row, the unseen ones errors
    backtest = {
        "realized": M.compute("classification", y, proba, CLASSES)["roc_auc"],
        "realized_rows": len(y),
        **triggers.realized_inputs(y, proba, CLASSES),
    }
    out = _monitored(y, proba)
    assert out.record["realized_rows"] == backtest["realized_rows"] == 120  # was 90
    # was the AUC of the 90 rows of known classes
    assert out.record["realized"] == backtest["realized"]
    for key, value in backtest.items():  # the rules' inputs (roc_auc_c3_unseen among them)
        if value is not None:
            assert out.record.get(key) == value, key
    assert out.record["roc_auc_c3_unseen"] == 1.0
    said = "30 of the window's 120 labelled rows are labelled '3', a class v1 never saw: scored as errors"
    assert said in out.warnings, out.warnings
    # the backtest computes it with the function monitoring does
    assert {
        "realized_rows": len(y),
        **triggers.realized_record("classification", "roc_auc", y, proba, CLASSES),
    } == backtest
    rules = MonitoringConfig.from_dict({"log_root": "x"}).rules.active()

    window = {"window_end": "2026-01-05T00:00:00+00:00", "rows": len(y), "drift_share": None}

    def verdict(record):
        return R.decide(
            [],
            {**record, **window},
            rules,
            champion_metric=gate["roc_auc"],
            metric="roc_auc",
            min_labels=1,
            champion_gate=gate,
        )

    expected = verdict(backtest)
    # the late class costs the champion
    assert expected.fire and expected.rule == "realized_z", expected
    got = verdict(out.record)
    assert (got.fire, got.rule, got.reason) == (expected.fire, expected.rule, expected.reason)
