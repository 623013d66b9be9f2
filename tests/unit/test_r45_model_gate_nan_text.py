"""'nan' written as text in a champion's numeric feature of the holdout (a Parquet column of numbers
written with ``astype(str)``: every gap is the text 'nan') is a gap to the gate, as
``pandas.read_csv`` reads it, not a word.

Was (round 44): ``_words_as_missing`` counted each 'nan' as a word, so a column with most of its
cells empty decided that "most of its values are no numbers": the champion was skipped as if the
column's type had changed (``champion_skipped: schema``) and a far worse challenger was approved on
absolute thresholds. Now the 'nan' cells are read as missing (counted in the reason with the words)
and the champion is compared."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train.core import fit


@pytest.fixture(scope="module")
def models():
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
        ).model  # learnt rooms as numbers
        challenger = fit(
            frame.iloc[600:640].drop(columns=["rooms"]),
            target="y",
            task="regression",
            estimator="linear_regression",
            search_iterations=0,
        ).model  # without rooms: far worse
    holdout = frame.iloc[640:].copy()
    holdout.loc[holdout.index[: int(0.6 * len(holdout))], "rooms"] = np.nan  # most cells empty
    holdout["rooms"] = holdout.rooms.astype(str)  # ... written as text: 'nan', '3.0'
    holdout.loc[holdout.index[-1], "rooms"] = "?"
    return champion, challenger, holdout


def test_nan_text_is_a_gap_not_a_word(models):
    champion, challenger, holdout = models
    decision = evaluate.gate(
        challenger,
        holdout,
        target="y",
        task="regression",
        champion=champion,
        thresholds={"rmse": 25.0},
        primary_metric="rmse",
        bootstrap_rounds=50,
    )
    assert decision.champion_skipped == "" and decision.comparison is not None
    assert not decision.approved  # the champion, reading rooms, is far better
    gaps = int((holdout.rooms == "nan").sum())
    assert (
        f"the champion read {gaps + 1} cell(s) of its numeric feature 'rooms' that are no numbers (e.g. '?') as "
        "missing, as empty cells"
    ) in decision.reason


def test_nan_text_alone_is_read_as_gaps():
    frame = pd.DataFrame({"c": ["nan", " NaN", "-nan", "1", "2", "3"], "y": 1.0})
    out, rows, example = evaluate._words_as_missing(frame, "c", "y")
    assert rows == 3 and example == "nan"
    assert out["c"].tolist()[3:] == [1.0, 2.0, 3.0] and out["c"].isna().sum() == 3
