"""``retrain.choose_start`` compares a candidate start's model with the whole window's model through
the gate (the whole window's model as its champion). When the whole window's model gives NaN for a
check row, the gate skips the comparison (``champion_skipped: outputs``, round 43) and its reason
says why. Was: the note read ``kept the whole training window (... delta n/a, ci_low n/a)``, no
word of the NaN (before round 43 it named the gate's error); now the note carries the gate's reason."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from ctloop.components.train import core as train_core
from ctloop.retrain import choose_start
from tests.unit.test_retrain import (  # the same stream and settings
    GATE,
    SWITCH,
    TRAINING,
    split,
    stream,
)


class _NaNOnFirstRow:
    """A fitted model whose probabilities are NaN on the first row it is given (a user's estimator
    that breaks on the older rows), otherwise the model it wraps."""

    def __init__(self, model):
        self._model = model

    def __getattr__(self, name):
        return getattr(self._model, name)

    def predict_proba(self, x):
        proba = np.array(self._model.predict_proba(x), dtype=float)
        proba[0] = np.nan
        return proba


def test_the_note_says_why_the_whole_windows_model_was_not_compared(monkeypatch):
    real, calls = train_core.run, []

    def run(rows, *args, **kwargs):
        result = real(rows, *args, **kwargs)
        calls.append(len(rows))
        if len(calls) == 2:  # choose_start fits the candidate, then the whole window but the check
            return dataclasses.replace(result, model=_NaNOnFirstRow(result.model))
        return result

    monkeypatch.setattr(train_core, "run", run)
    train, holdout = split(stream(flip=True))
    result, rows, check, choice = choose_start(
        train,
        holdout,
        TRAINING,
        GATE,
        target="y",
        time_column="ts",
        since=SWITCH,
        holdout_fraction=0.2,
    )
    assert len(calls) == 3 and not choice.kept and check is None and len(rows) == len(train)
    assert choice.note.startswith(
        f"kept the whole training window: candidate start {pd.Timestamp(SWITCH).isoformat()} "
        "not compared with it (the gate, the whole window's model as its champion: "
    ), choice.note
    assert re.search(
        r"its champion: the champion cannot be compared: its predict_proba gave NaN or infinite "
        rf"values for 1 of {choice.check_rows} holdout rows \(first: row \d+\)",
        choice.note,
    ), choice.note
    assert (
        "n/a" not in choice.note and "no threshold configured" not in choice.note
    )  # the champion part only
