"""The gate reads True/False both ways, champion and challenger alike (round 47 fix F, item 2).

Round 47 read holdout text 'True'/'False' as the booleans a model learnt, but not the other way:
a champion trained on the TEXT 'True'/'False' (a CSV window with a third word in the column, so it
stayed text) judged on a holdout of booleans saw an unknown category in every row — ROC AUC 0.48
against the challenger's 0.89 on the same data, and the challenger was approved by +0.40 with
nothing said. Booleans in a feature a model learnt True/False spellings in are now read as the
spelling it learnt, counted and named in the reason, and the comparison is symmetric.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as gate
from ctloop.components.train import core as train


@pytest.fixture(scope="module")
def models():
    rng = np.random.default_rng(0)
    n = 900
    flag = rng.random(n) < 0.5
    frame = pd.DataFrame({"flag": flag, "x": rng.normal(size=n), "y": (flag ^ (rng.random(n) < 0.1)).astype(int)})
    train_rows, holdout = frame.iloc[:600], frame.iloc[600:].reset_index(drop=True)
    words = train_rows.assign(flag=train_rows["flag"].map({True: "True", False: "False"}))
    words.loc[words.index[:5], "flag"] = "unknown"  # a third word: the column stays text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        on_bools = train.fit(train_rows, target="y", estimator="logistic_regression").model
        on_words = train.fit(words, target="y", estimator="logistic_regression").model
    return on_bools, on_words, holdout


def _gate(challenger, holdout, champion=None):
    return gate.gate(challenger, holdout, target="y", task="classification", champion=champion,
                     thresholds={"roc_auc": 0.5})


def test_a_champion_trained_on_words_scores_a_boolean_holdout_as_its_words(models):
    on_bools, on_words, holdout = models
    decision = _gate(on_bools, holdout, champion=on_words)
    assert decision.challenger_metrics["roc_auc"] > 0.8
    assert decision.champion_metrics["roc_auc"] == pytest.approx(decision.challenger_metrics["roc_auc"], abs=0.02)
    assert (f"the holdout's True/False in 'flag' read as the text the champion learnt ('True', 'False'; "
            f"{len(holdout)} value(s))") in decision.reason, decision.reason


def test_a_challenger_trained_on_words_with_a_champion_on_bools(models):
    on_bools, on_words, holdout = models
    decision = _gate(on_words, holdout, champion=on_bools)
    assert decision.challenger_metrics["roc_auc"] == pytest.approx(decision.champion_metrics["roc_auc"], abs=0.02)
    assert "read as the text the challenger learnt" in decision.reason
    assert "the champion learnt" not in decision.reason


def test_text_holdout_reads_the_same_both_ways(models):
    # the round-47 direction still holds: text in the feature trained on booleans
    on_bools, on_words, holdout = models
    text = holdout.assign(flag=holdout["flag"].map({True: "True", False: "False"}))
    by_text = _gate(on_bools, text, champion=on_words)
    by_bools = _gate(on_bools, holdout, champion=on_words)
    assert by_text.champion_metrics["roc_auc"] == pytest.approx(by_bools.champion_metrics["roc_auc"])
    assert by_text.challenger_metrics["roc_auc"] == pytest.approx(by_bools.challenger_metrics["roc_auc"])
