"""Hunt 36 (training surface): the evaluation gate with a champion and a challenger trained on
different feature sets or class sets, through the train core's real Pipelines."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train import core as train
from ctloop.errors import EvaluationError


def _frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x1": rng.normal(size=n), "cat": rng.choice(["a", "b", "c"], size=n),
                          "old": rng.normal(size=n)})
    score = frame.x1 + (frame.cat == "a")
    frame["y"] = (score > 0.5).astype(int)
    frame["kind"] = np.select([score < 0, score < 1], ["low", "mid"], "high")
    return frame


def _fit(frame: pd.DataFrame, target: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return train.fit(frame, target=target, estimator="logistic_regression").model


def test_a_champion_feature_the_holdout_no_longer_has_is_one_line_naming_it():
    # the upstream table dropped 'old' and added 'new': the champion was trained with 'old', the
    # challenger on the new columns; the holdout (prepare's, from the new table) has no 'old'.
    # Was: KeyError "['old'] not in index", a traceback from the evaluate step.
    frame = _frame()
    champion = _fit(frame.iloc[:300].drop(columns="kind"), "y")
    new = frame.drop(columns=["old", "kind"]).assign(new=np.arange(len(frame)) % 3)
    challenger = _fit(new.iloc[:300], "y")
    with pytest.raises(EvaluationError, match=r"^the champion cannot score the holdout data: it has no column 'old'"):
        evaluate.gate(challenger, new.iloc[300:], target="y", task="classification", champion=champion,
                      thresholds={"roc_auc": 0.5}, bootstrap_rounds=50)
    with pytest.raises(EvaluationError, match=r"^the challenger cannot score the holdout data: it has no column "
                                              r"'old'"):
        evaluate.gate(champion, new.iloc[300:], target="y", task="classification", thresholds={"roc_auc": 0.5},
                      bootstrap_rounds=50)


def test_unseen_holdout_labels_are_the_holdouts_not_the_champions_classes():
    # the class 'high' vanished from the newest window: the challenger knows low/mid, the champion
    # low/mid/high, and no holdout row is 'high'. Was: "holdout labels the challenger never saw in
    # training: high (scored as errors)" — a label no holdout row holds.
    frame = _frame().drop(columns=["old", "y"])
    champion = _fit(frame.iloc[:300], "kind")
    recent = frame[frame.kind != "high"].reset_index(drop=True)
    challenger = _fit(recent.iloc[:150], "kind")
    holdout = recent.iloc[150:]
    decision = evaluate.gate(challenger, holdout, target="kind", task="classification", champion=champion,
                             thresholds={"accuracy": 0.5}, primary_metric="accuracy", bootstrap_rounds=50)
    assert "never saw" not in decision.reason
    # a holdout label the challenger never saw is still named
    decision = evaluate.gate(challenger, frame.iloc[300:], target="kind", task="classification",
                             champion=champion, thresholds={"accuracy": 0.5}, primary_metric="accuracy",
                             bootstrap_rounds=50)
    assert "holdout labels the challenger never saw in training: high (scored as errors)" in decision.reason
