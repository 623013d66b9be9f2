"""One stray label in a window (a typo, 'n/a', a one-off value the model never saw) is no confident
loss: a review of stop 55's rule (c) (reverted) showed one row labelled 'B' among 1,000 of a
three-class model fire ``realized_z`` (realized ROC AUC 0.734 vs the gate's 0.808, se 0.016), since
the unseen label counted as a whole average class at AUC 0.5 with no sampling error. A stream with a
long tail of one-off labels would retrain every window on a class of one row."""

from __future__ import annotations

import numpy as np
import pytest

from ctloop.monitoring import triggers
from ctloop.monitoring.rules import decide

CLASSES = ["a", "b", "c"]


def _served(seed: int, n: int, strays: tuple[str, ...] = ()):
    rng = np.random.default_rng(seed)
    known = rng.integers(0, 3, n)
    proba = rng.dirichlet([1, 1, 1], n)
    proba[np.arange(n), known] += 0.5
    proba /= proba.sum(1, keepdims=True)
    labels = np.array(CLASSES, dtype=object)[known]
    labels[: len(strays)] = strays
    return labels, proba


@pytest.mark.parametrize(
    "strays", [(), ("B",), ("b ", "B", "cc", "?", "n/a")], ids=["none", "one", "five"]
)
def test_a_few_stray_labels_in_a_window_fire_no_realized_rule(strays):
    gate_labels, gate_proba = _served(1, 2000)
    gate = triggers.gate_reference(
        gate_labels, gate_proba, CLASSES, scores=gate_proba, model_classes=3
    )
    gate["roc_auc"] = float(np.mean([gate[f"roc_auc_c{k}"] for k in range(3)]))
    for seed in (2, 3, 4):
        labels, proba = _served(seed, 1000, strays)
        window = {
            "window_end": "2026-03-02T00:00:00+00:00",
            "realized_rows": len(labels),
            "champion_version": 1,
            "realized": 0.0,
            **triggers.realized_inputs(labels, proba, CLASSES),
        }
        verdict = decide([], window, {"realized_z": 2.326}, champion_gate=gate, min_labels=100)
        assert not verdict.fire, (strays, seed, verdict.reason)
