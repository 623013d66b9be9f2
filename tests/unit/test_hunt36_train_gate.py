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


def test_a_champion_feature_the_holdout_no_longer_has_is_named_and_the_challenger_judged_on_thresholds():
    # the upstream table dropped 'old' and added 'new': detect_drift reports the schema change and
    # retrains; the champion was trained with 'old', the challenger on the new columns, and the
    # holdout (prepare's, from the new table) has no 'old'. Was: KeyError "['old'] not in index", a
    # traceback from the evaluate step at every run, so no model could ever replace the champion.
    frame = _frame()
    champion = _fit(frame.iloc[:300].drop(columns="kind"), "y")
    new = frame.drop(columns=["old", "kind"]).assign(new=np.arange(len(frame)) % 3)
    challenger = _fit(new.iloc[:300], "y")
    decision = evaluate.gate(challenger, new.iloc[300:], target="y", task="classification", champion=champion,
                             thresholds={"roc_auc": 0.7}, bootstrap_rounds=50)
    assert decision.approved and decision.comparison is None and decision.champion_metrics is None
    assert decision.reason.endswith("the champion cannot score the holdout: it has no column 'old', a feature of "
                                    "the champion (the data's schema changed): judged on absolute thresholds only")
    rejected = evaluate.gate(challenger, new.iloc[300:], target="y", task="classification", champion=champion,
                             thresholds={"roc_auc": 0.999}, bootstrap_rounds=50)
    assert not rejected.approved and "roc_auc" in rejected.reason and "FAILED" in rejected.reason
    # never compared: a rejection says nothing about the champion (monitoring's policy.not_judged)
    assert decision.champion_skipped == rejected.champion_skipped == "schema" and not rejected.judged
    # a challenger that cannot score its own holdout is an error naming the column
    with pytest.raises(EvaluationError, match=r"^the challenger cannot score the holdout data: it has no column "
                                              r"'old', a feature of the challenger$"):
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


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_a_champion_of_the_other_task_is_not_compared(task):
    # training.task changed (a default-rate classifier replaced by a loss-amount regressor, or back):
    # was a nonsense comparison of the classifier's labels as amounts (regression), or an
    # EvaluationError "has no attribute 'predict_proba'" at every run (classification), so the new
    # task's model could never replace the champion
    frame = _frame().drop(columns=["kind", "old"])
    frame["amount"] = frame.x1 * 3 + (frame.cat == "b")
    other = "regression" if task == "classification" else "classification"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        champion = train.fit(frame.iloc[:300].drop(columns="amount"), target="y", task=other,
                             estimator="hist_gradient_boosting").model
        challenger = train.fit(frame.iloc[:300].drop(columns="y" if task == "regression" else "amount"),
                               target="amount" if task == "regression" else "y", task=task,
                               estimator="hist_gradient_boosting").model
    target = "amount" if task == "regression" else "y"
    decision = evaluate.gate(challenger, frame.iloc[300:], target=target, task=task, champion=champion,
                             thresholds={"rmse": 2.0} if task == "regression" else {"roc_auc": 0.7},
                             bootstrap_rounds=50)
    kind = "classifier" if task == "regression" else "regressor"
    assert decision.comparison is None and decision.champion_metrics is None and decision.approved
    assert decision.reason.endswith(f"the champion is a {kind}, not a model of this {task} task (training.task "
                                    "changed): judged on absolute thresholds only"), decision.reason


def test_the_champion_reads_numbers_in_its_text_feature_as_served():
    # the champion learnt the grade codes as text ('1', '2', '3', 'X'); the newest window's codes are
    # all digits, so pandas reads them as int64. The serving runtime and batch scoring read a number
    # there as the trained category of its value (ctloop.storage.numbers_as_text); the gate fed the
    # numbers as they are: every row an unknown category, the champion judged without the feature
    rng = np.random.default_rng(3)
    n = 600
    frame = pd.DataFrame({"x1": rng.normal(size=n), "grade": rng.choice(["1", "2", "3"], size=n)})
    frame["y"] = ((frame.x1 + 2 * (frame.grade == "1") - 2 * (frame.grade == "3")) > 0).astype(int)
    old = frame.iloc[:300].copy()
    old.loc[::50, "grade"] = "X"
    champion = _fit(old, "y")
    holdout = frame.iloc[300:].assign(grade=frame.grade.iloc[300:].astype(int))
    decision = evaluate.gate(champion, holdout, target="y", task="classification", champion=champion,
                             thresholds={"roc_auc": 0.5}, bootstrap_rounds=50)
    as_text = evaluate.score(champion, frame.iloc[300:], target="y", task="classification")
    assert decision.champion_metrics["roc_auc"] == pytest.approx(as_text["roc_auc"], abs=1e-12)
    assert decision.challenger_metrics["roc_auc"] == pytest.approx(as_text["roc_auc"], abs=1e-12)


def test_a_champion_feature_renamed_in_case_or_spaces_is_read_under_its_old_name():
    """Review A: 'old' arriving as 'OLD ' let a worse challenger pass on thresholds alone, as after a
    real schema change; review E: refusing it blocked every retrain after a deliberate rename. The
    champion now reads the renamed column and is compared as usual."""
    frame = _frame()
    champion = _fit(frame.iloc[:300].drop(columns="kind"), "y")
    renamed = frame.drop(columns="kind").rename(columns={"old": "OLD "})
    challenger = _fit(renamed.iloc[:300], "y")
    decision = evaluate.gate(challenger, renamed.iloc[300:], target="y", task="classification", champion=champion,
                             thresholds={"roc_auc": 0.5}, bootstrap_rounds=50)
    assert decision.comparison is not None and decision.champion_metrics is not None and decision.judged
    assert not decision.champion_skipped
    assert "the champion read 'OLD ' as its feature 'old' (renamed in case or spaces only)" in decision.reason
    same = evaluate.gate(challenger, renamed.iloc[300:], target="y", task="classification", champion=challenger,
                         thresholds={"roc_auc": 0.5}, bootstrap_rounds=50)
    expected = same.challenger_metrics["roc_auc"]
    original = evaluate.gate(champion, frame.drop(columns="kind").iloc[300:], target="y", task="classification",
                             thresholds={"roc_auc": 0.5}, bootstrap_rounds=50)
    assert decision.champion_metrics["roc_auc"] == original.challenger_metrics["roc_auc"]
    assert decision.challenger_metrics["roc_auc"] == expected
