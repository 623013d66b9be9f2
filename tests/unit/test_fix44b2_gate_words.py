"""A few words among a champion's numeric feature in the holdout (``'?'``), read as missing
(test_fix44b_gate_stray_text.py): two edges of that rule.

Was (round 44): a champion with no imputer (``Pipeline(StandardScaler, LinearRegression)`` fitted
outside ctloop) could not score the filled cells: the gate raised "the champion cannot score the
holdout data: Input X contains NaN", blocking every retrain with a message naming no word. Now it
falls back to skipping the champion as before (the column's type changed, ``champion_skipped:
schema``). And the words were counted over every row, also those whose label has not arrived (not
scored): unlabelled ``'?'`` rows made the words "most of the column" (champion skipped, a
confidently worse challenger approved) and inflated the count in the reason. Now only the scored
(labelled) rows count."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train.core import fit


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(0)
    n = 1400
    frame = pd.DataFrame({"rooms": rng.integers(1, 9, n).astype(float), "x": rng.normal(size=n)})
    frame["y"] = 10 * frame.rooms + frame.x + rng.normal(size=n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        champion = fit(
            frame.iloc[:600],
            target="y",
            task="regression",
            estimator="linear_regression",
            search_iterations=0,
        ).model  # ctloop's: an imputer before the model
        challenger = fit(
            frame.iloc[600:640].drop(columns=["rooms"]),
            target="y",
            task="regression",
            estimator="linear_regression",
            search_iterations=0,
        ).model  # without rooms: far worse
    bare = Pipeline([("s", StandardScaler()), ("m", LinearRegression())]).fit(
        frame[["rooms", "x"]].iloc[:600], frame.y.iloc[:600]
    )  # fitted outside ctloop: no imputer, cannot score an empty cell
    holdout = frame.iloc[640:].astype({"rooms": object}).copy()
    holdout.loc[n - 1, "rooms"] = "?"
    return champion, bare, challenger, holdout


def _gate(challenger, holdout, champion):
    return evaluate.gate(
        challenger,
        holdout,
        target="y",
        task="regression",
        champion=champion,
        thresholds={"rmse": 25.0},
        primary_metric="rmse",
        bootstrap_rounds=50,
    )


def test_a_champion_without_imputer_is_skipped_as_before_not_an_error(frames):
    _, bare, challenger, holdout = frames
    decision = _gate(challenger, holdout, bare)
    assert decision.champion_skipped == "schema" and decision.comparison is None
    assert decision.approved  # judged on absolute thresholds only, as before the words were filled
    assert (
        "its numeric feature 'rooms' holds text (e.g. '?', 1 row(s)): the column's type changed"
    ) in decision.reason
    assert "as missing, as empty cells" not in decision.reason


def test_words_in_rows_without_a_label_do_not_count(frames):
    champion, _, challenger, holdout = frames
    unlabelled = pd.DataFrame(
        {"rooms": ["?"] * 900, "x": 0.0, "y": np.nan}, index=range(5000, 5900)
    )  # newer rows whose label has not arrived: not scored, more than the scored rows
    decision = _gate(challenger, pd.concat([holdout, unlabelled]), champion)
    assert not decision.champion_skipped and decision.comparison is not None
    assert not decision.approved and "confidently worse" in decision.reason
    assert (
        "the champion read 1 cell(s) of its numeric feature 'rooms' that are no numbers (e.g. '?')"
    ) in decision.reason
    few = unlabelled.iloc[:300]  # fewer than half: compared either way, but counted right
    decision = _gate(challenger, pd.concat([holdout, few]), champion)
    assert "the champion read 1 cell(s) of its numeric feature 'rooms'" in decision.reason
