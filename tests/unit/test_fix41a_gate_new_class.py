"""Review r41a finding 1: the gate skipped the champion whenever fewer than 10 % of the holdout rows
held one of its classes, never looking at the challenger's classes. A new class making up most of
the holdout (both models trained on ``a``/``b``) skipped a champion whose classes equal the
challenger's, and a challenger that had learnt nothing was approved on thresholds alone, the
reason asking "the classes renamed?". The champion is now skipped only when its classes are renamed
relative to the challenger's: none in common with the challenger's, and the holdout written in the
challenger's classes rather than the champion's. Otherwise both are compared as before, labels a
model never saw scored as its errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ctloop.components.evaluate.core import gate
from ctloop.components.train.core import fit


def _rows(rng, n, labels=("a", "b"), new=0.0):
    x = rng.normal(size=n)
    y = np.where(x + rng.normal(scale=0.5, size=n) > 0, labels[0], labels[1]).astype(object)
    y[rng.random(n) < new] = "other"
    return pd.DataFrame({"x": x, "z": rng.normal(size=n), "y": y})


def _fit(frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(frame, target="y").model


def _noise(rng, **kw):
    frame = _rows(rng, 600, **kw)
    frame["y"] = rng.permutation(frame["y"].to_numpy())  # a challenger that learnt nothing
    return _fit(frame)


def test_a_new_class_filling_most_of_the_holdout_does_not_skip_a_champion_of_the_challenger_s_classes():
    rng = np.random.default_rng(2)
    champion, challenger = _fit(_rows(rng, 600)), _noise(rng)
    holdout = _rows(rng, 1000, new=0.93)
    decision = gate(challenger, holdout, target="y", task="classification", champion=champion,
                    thresholds={"roc_auc": 0.45}, bootstrap_rounds=300)
    assert not decision.champion_skipped and decision.comparison is not None, decision.reason
    assert not decision.approved and "renamed" not in decision.reason, decision.reason


def test_a_challenger_that_also_saw_the_new_class_is_compared_too():
    rng = np.random.default_rng(1)
    champion, challenger = _fit(_rows(rng, 600)), _noise(rng, new=0.9)
    assert "other" in list(challenger.classes_)
    holdout = _rows(rng, 1000, new=0.92)
    for thresholds in ({"roc_auc": 0.4}, {"accuracy": 0.5}):
        decision = gate(challenger, holdout, target="y", task="classification", champion=champion,
                        thresholds=thresholds, bootstrap_rounds=300)
        assert not decision.champion_skipped and decision.comparison is not None, decision.reason
        assert not decision.approved, decision.reason


def test_renamed_classes_with_a_few_rows_still_in_the_old_names_skip_the_champion():
    rng = np.random.default_rng(3)
    champion = _fit(_rows(rng, 600, labels=(1, 0)))
    challenger = _fit(_rows(rng, 600, labels=("good", "bad")))
    holdout = _rows(rng, 400, labels=("good", "bad"))
    holdout.loc[holdout.index[:20], "y"] = 1  # stale rows still written the old way
    decision = gate(challenger, holdout, target="y", task="classification", champion=champion,
                    thresholds={"roc_auc": 0.7}, bootstrap_rounds=300)
    assert decision.champion_skipped == "classes" and decision.comparison is None, decision.reason
    assert decision.approved and "'good'" in decision.reason and "\n" not in decision.reason, decision.reason


def test_a_challenger_of_other_classes_than_the_holdout_s_is_compared_and_refused():
    # the holdout still written in the champion's classes: the challenger's classes are the odd ones
    rng = np.random.default_rng(4)
    champion = _fit(_rows(rng, 600, labels=("yes", "no")))
    challenger = _fit(_rows(rng, 600, labels=("good", "bad")))
    holdout = _rows(rng, 400, labels=("yes", "no"))
    decision = gate(challenger, holdout, target="y", task="classification", champion=champion,
                    thresholds={"accuracy": 0.0}, bootstrap_rounds=300)
    assert not decision.champion_skipped and decision.comparison is not None, decision.reason
    assert not decision.approved, decision.reason
