"""Round 42 (model surface): a feature empty in every training row (a new form field nobody has
filled yet) that holds text in the holdout.

Was: an empty column read from CSV or Parquet is float64 NaN, so it was trained as a number; when
the field's first answers arrived in the holdout the gate failed: "the challenger cannot score the
holdout data: its numeric feature 'note' holds text (e.g. 'late delivery', ...)". No training row
said numbers or text; the model learnt nothing from it. Now a feature with no value in any training
row stays in the model's input but feeds no step (listed in the meta's ``unused``): text or numbers
in later rows score, and change no prediction."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train import core
from ctloop.config import GateConfig


@pytest.mark.parametrize("estimator", ["logistic_regression", "hist_gradient_boosting"])
@pytest.mark.parametrize("later", ["text", "numbers"])
def test_a_feature_empty_in_training_scores_whatever_arrives_later(estimator, later):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"x1": rng.normal(size=600), "note": np.full(600, np.nan)}
    )  # float64, as read
    frame["y"] = (frame.x1 + rng.normal(scale=0.3, size=600) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = core.fit(frame.iloc[:400], target="y", estimator=estimator, search_iterations=0)
    assert any("'note'" in n and "no value in any training row" in n for n in result.meta["notes"])
    holdout = frame.iloc[400:].copy()
    answered = rng.random(len(holdout)) < 0.3
    holdout["note"] = (
        np.where(answered, "late delivery", None)
        if later == "text"
        else np.where(answered, 3.5, np.nan)
    )
    decision = evaluate.run(
        result.model,
        holdout,
        GateConfig.from_dict({"thresholds": {"roc_auc": 0.7}}),
        target="y",
        task="classification",
    )
    assert decision.approved, decision.reason
    # it learnt nothing from the column: the answers change no prediction
    blank = holdout.assign(note=None)
    assert np.allclose(
        result.model.predict_proba(holdout.drop(columns="y")),
        result.model.predict_proba(blank.drop(columns="y")),
    )
