import pandas as pd
import pytest

from ctloop.components.monitor.core import decide
from ctloop.errors import ConfigError
from ctloop.labels import join_predictions_with_labels, realized_metrics


def rec(hour, share=None, realized=None, triggered=False):
    return {"window_end": f"2026-01-01T{hour:02d}:00:00+00:00", "drift_share": share, "realized": realized,
            "triggered": triggered}


def test_drift_needs_n_consecutive_windows():
    rules = {"drift_share": 0.5, "drift_windows": 2}
    assert not decide([rec(1, 0.1)], rec(2, 0.8), rules).fire
    v = decide([rec(1, 0.1), rec(2, 0.8)], rec(3, 0.9), rules)
    assert v.fire and v.rule == "drift" and "0.80, 0.90" in v.reason


def test_cooldown_blocks_a_second_trigger():
    rules = {"drift_share": 0.5, "drift_windows": 1, "cooldown": "3h"}
    history = [rec(1, 0.9, triggered=True)]
    v = decide(history, rec(2, 0.9), rules)
    assert not v.fire and v.rule == "cooldown"
    assert decide(history, rec(5, 0.9), rules).fire


def test_realized_floor_and_drop():
    assert decide([], rec(1, realized=0.60), {"realized_floor": 0.7}).rule == "realized_floor"
    v = decide([], rec(1, realized=0.74), {"realized_drop": 0.05}, champion_metric=0.81)
    assert v.fire and v.rule == "realized_drop"
    assert not decide([], rec(1, realized=0.79), {"realized_drop": 0.05}, champion_metric=0.81).fire


def test_volume_gate():
    rules = {"drift_share": 0.5, "min_rows_since_training": 1000}
    assert decide([], rec(1, 0.9), rules, rows_since_training=10).rule == "volume"
    assert decide([], rec(1, 0.9), rules, rows_since_training=5000).fire


def test_unknown_rule():
    with pytest.raises(ConfigError, match="unknown monitoring rule"):
        decide([], rec(1), {"drift_threshold": 0.5})


def test_labels_join_and_realized_metrics_per_revision():
    logs = pd.DataFrame({
        "request_id": ["a", "b", "c", "d", "e", "f"], "model": "m",
        "revision": ["r1", "r1", "r1", "r2", "r2", "r2"],
        "time": ["2026-01-01T00:10:00+00:00"] * 6,
        "prediction_1": [0.9, 0.2, 0.8, 0.4, 0.6, 0.3],
    })
    labels = pd.DataFrame({"request_id": ["a", "b", "c", "d", "e", "f", "a"], "label": [0, 0, 1, 1, 0, 0, 1],
                           "label_time": ["1", "1", "1", "1", "1", "1", "2"]})  # a's label corrected later
    joined = join_predictions_with_labels(logs, labels)
    assert joined.set_index("request_id").loc["a", "label"] == 1
    metrics = realized_metrics(joined, by=("model", "revision")).set_index("revision")
    # r1: labels (1,0,1) scores (0.9,0.2,0.8) → perfect ranking; r2: (1,0,0) vs (0.4,0.6,0.3) → AUC 0.5
    assert metrics.loc["r1", "roc_auc"] == 1.0 and metrics.loc["r2", "roc_auc"] == 0.5
    assert metrics.loc["r1", "accuracy"] == 1.0 and metrics.loc["r2", "rows"] == 3
