"""Issue 14 item 4: the canary check's realized metric leaves out labels of a class the model never saw and
said ``"30 labels that are not classes of the model left out"`` (which, and on which side, unsaid). It now says
them as the backtest's windows and monitoring say them (:mod:`ctloop.unseen`), and counts them in
``measured["unseen_labels"]`` beside ``labels_left_out``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.serving.analysis import quality_check


def _side(n, revision, rng, unseen):
    y = rng.integers(0, 2, n)
    score = np.clip(0.5 + (y - 0.5) * 0.6 + rng.normal(0, 0.2, n), 0, 1)
    ids = [f"{revision}-{i}" for i in range(n)]
    label = y.astype(object)
    label[:unseen] = 2  # a class written after the model was trained
    logs = pd.DataFrame(
        {
            "request_id": ids,
            "revision": revision,
            "model": "m",
            "prediction_1": score,
            "time": "2026-01-01T00:00:00+00:00",
        }
    )
    return logs, pd.DataFrame({"request_id": ids, "label": label.astype(int), "label_time": "1"})


def test_labels_of_a_class_the_model_never_saw_are_said_and_counted():
    rng = np.random.default_rng(58)
    (sl, sy), (cl, cy) = _side(400, "stable", rng, 10), _side(400, "canary", rng, 20)
    ok, reason, measured = quality_check(
        pd.concat([sl, cl]),
        pd.concat([sy, cy]),
        canary_revision="canary",
        stable_revision="stable",
        classes=[0, 1],
    )
    # round 59's review (H1): said per side, left out of the comparison on known rows (both sides are scored
    # against the same classes)
    assert "canary: 20 of its 400 labelled rows are labelled '2', a class the model never saw" in reason, reason
    assert "stable: 10 of its 400 labelled rows" in reason, reason
    assert measured["unseen_labels"] == 30 and measured["labels_left_out"] == 0
    assert measured["canary_unseen_labels"] == 20 and measured["stable_unseen_labels"] == 10
    assert ok and measured["canary_labelled"] == 400 and measured["stable_labelled"] == 400


def test_a_model_of_unknown_classes_counts_no_unseen_labels():
    """Counted only against the classes the model recorded, as monitoring counts them (round 58's review): with
    none recorded, 'yes'/'no' labels are not 'unseen' against [0, 1] (``unseen_labels`` absent, not 800)."""
    rng = np.random.default_rng(58)
    (sl, sy), (cl, cy) = _side(400, "stable", rng, 0), _side(400, "canary", rng, 0)
    labels = pd.concat([sy, cy]).assign(label=lambda f: np.where(f["label"] == 1, "yes", "no"))
    _, _, measured = quality_check(
        pd.concat([sl, cl]), labels, canary_revision="canary", stable_revision="stable", classes=None
    )
    assert "unseen_labels" not in measured, measured
