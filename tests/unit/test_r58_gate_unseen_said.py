"""Issue 14 item 4: the evaluation gate says what the backtest's windows say since stop 58 (commits 28a6513a,
f7c5caa4), from the same code (:mod:`ctloop.unseen`), about the champion it compares the challenger with:

* holdout labels of a class the champion never saw (stop 58's births_cigarettes_dst: '11+ daily' first written
  in May): each is scored as the champion's error, and the reason said only "vs champion: roc_auc delta
  +0.2034 ... passed" (it named the challenger's unseen labels, never the champion's). Now it adds "43 of the
  holdout's 300 rows are labelled 'heavy', a class the champion never saw: scored as errors";
* a feature the champion learnt with values that has none in the holdout (stop 58's medicare_private_gap: the
  income feed broken for three days): the champion was scored on imputed values and the reason said nothing.
  Now "column 'income' has no values in the holdout (the champion learnt it with values)".
A feature the champion learnt from no row (model meta ``unused``) is not named."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate.core import gate, run
from ctloop.components.train.core import fit
from ctloop.config import GateConfig


def _rows(rng, n, *, heavy=True, income=True):
    a = rng.normal(size=n)
    y = np.select([a < 0, a < 1], ["none", "moderate"], "heavy").astype(object)
    if not heavy:  # before the class was written: 'moderate'
        y[y == "heavy"] = "moderate"
    return pd.DataFrame({"a": a, "income": rng.gamma(2.0, 10.0, n) if income else np.nan, "y": y})


@pytest.fixture(scope="module")
def models():
    rng = np.random.default_rng(58)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return (
            fit(_rows(rng, 300, heavy=False), target="y", estimator="logistic_regression").model,
            fit(_rows(rng, 300), target="y", estimator="logistic_regression").model,
        )


def test_holdout_labels_of_a_class_the_champion_never_saw_are_said(models):
    champion, challenger = models
    holdout = _rows(np.random.default_rng(1), 300)
    heavy = int((holdout["y"] == "heavy").sum())
    decision = gate(
        challenger,
        holdout,
        target="y",
        task="classification",
        champion=champion,
        thresholds={"roc_auc": 0.5},
        bootstrap_rounds=20,
    )
    assert decision.comparison is not None
    assert (
        f"{heavy} of the holdout's 300 rows are labelled 'heavy', a class the champion never saw: scored as errors"
        in decision.reason
    ), decision.reason
    same = gate(
        challenger,
        _rows(np.random.default_rng(1), 300, heavy=False),
        target="y",
        task="classification",
        champion=champion,
        thresholds={"roc_auc": 0.5},
        bootstrap_rounds=20,
    )
    assert "never saw" not in same.reason, same.reason


def test_a_feature_the_champion_learnt_with_values_and_none_in_the_holdout_is_named(models):
    champion, challenger = models
    holdout = _rows(np.random.default_rng(2), 300, heavy=False, income=False)
    cfg = GateConfig.from_dict({"thresholds": {"roc_auc": 0.5}, "bootstrap_rounds": 20})
    decision = run(challenger, holdout, cfg, target="y", task="classification", champion=champion)
    said = "column 'income' has no values in the holdout (the champion learnt it with values)"
    assert said in decision.reason, decision.reason
    # learnt from no row (its meta's `unused`): nothing to name
    quiet = run(
        challenger,
        holdout,
        cfg,
        target="y",
        task="classification",
        champion=champion,
        champion_meta={"unused": ["income"]},
    )
    assert "has no values" not in quiet.reason, quiet.reason
