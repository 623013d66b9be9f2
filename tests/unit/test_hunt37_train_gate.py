"""Hunt 37 (training surface): the evaluation gate when the champion's numeric feature arrives as
text, through the train core's real Pipelines."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train import core as train
from ctloop.errors import EvaluationError


def _frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x1": rng.normal(size=n), "weight": rng.uniform(1, 20, size=n).round(1),
                          "cat": rng.choice(["a", "b", "c"], size=n)})
    frame["y"] = (frame.x1 + (frame.cat == "a") + frame.weight / 10 > 1.5).astype(int)
    return frame


def _fit(frame: pd.DataFrame, estimator: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return train.fit(frame, target="y", estimator=estimator).model


@pytest.mark.parametrize("estimator", ["logistic_regression", "hist_gradient_boosting", "random_forest"])
@pytest.mark.parametrize("writes", [lambda v: f"{v:.1f}".replace(".", ","), lambda v: f"{v:.1f} kg"],
                         ids=["decimal_comma", "unit"])
def test_a_champion_numeric_feature_arriving_as_text_is_named_with_a_value(estimator, writes):
    # the producer began writing 'weight' as "12,5" or "12.5 kg": the challenger (trained on the
    # new table) learnt it as text, the champion as a number. Was: "the champion cannot score the
    # holdout data: could not convert string to float: '12,5'" (or "Cannot use median strategy
    # with non-numeric data"): no column named, a 6-feature table left the user guessing.
    frame = _frame()
    champion = _fit(frame.iloc[:300], estimator)
    new = frame.assign(weight=frame.weight.map(writes))
    challenger = _fit(new.iloc[:300].drop(columns="weight"), "logistic_regression")
    sample = new.weight.iloc[300]
    # round 44: the column's type changed, so the champion is skipped (thresholds only), named in the reason
    decision = evaluate.gate(challenger, new.iloc[300:], target="y", task="classification", champion=champion,
                             thresholds={"roc_auc": 0.5}, bootstrap_rounds=50)
    assert decision.champion_skipped == "schema" and re.search(
        r"the champion cannot score the holdout: its numeric feature 'weight' holds text \(e\.g\. '[^']+', 100 "
        r"row\(s\)\)", decision.reason)
    assert repr(sample) in decision.reason and "\n" not in decision.reason


def test_numbers_written_as_text_the_champion_can_read_still_compare():
    # "12.5" as text (a CSV's object column) is a number scikit-learn reads: compared as usual
    frame = _frame()
    champion = _fit(frame.iloc[:300], "logistic_regression")
    holdout = frame.iloc[300:].assign(weight=frame.weight.iloc[300:].map(str))
    decision = evaluate.gate(champion, holdout, target="y", task="classification", champion=champion,
                             thresholds={"roc_auc": 0.5}, bootstrap_rounds=50)
    assert decision.comparison is not None


class _RefusesEverything:
    """A champion of another tool that reads its text feature 'note' itself and refuses rows for a
    reason of its own (no trained categories ctloop can read)."""

    feature_names_in_ = np.array(["x1", "note"], dtype=object)
    classes_ = np.array([0, 1])

    def predict_proba(self, x):
        raise ValueError("model refuses rows older than its training window")


def test_a_text_feature_is_not_blamed_for_a_refusal_that_does_not_quote_it():
    frame = _frame().assign(note=lambda f: np.where(f.x1 > 0, "vip", "walk-in"))
    challenger = _fit(frame.iloc[:300], "logistic_regression")
    with pytest.raises(EvaluationError, match=r"^the champion cannot score the holdout data: model refuses rows older "
                                              r"than its training window$"):
        evaluate.gate(challenger, frame.iloc[300:], target="y", task="classification", champion=_RefusesEverything(),
                      thresholds={"roc_auc": 0.5}, bootstrap_rounds=50)


def test_r2_undefined_on_a_constant_holdout_target_says_why():
    # every holdout row has the same amount (a price list, a fixed fee): r2 is undefined whatever
    # the rows. Was: "FAILED: no evidence ... (a holdout of more rows: a longer window, a larger
    # holdout fraction)", which more rows of the same value never fix.
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x1": rng.normal(size=400)})
    frame["y"] = frame.x1 * 3 + rng.normal(size=400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = train.fit(frame.iloc[:300], target="y", task="regression", estimator="linear_regression").model
    decision = evaluate.gate(model, frame.iloc[300:].assign(y=5.0), target="y", task="regression", champion=model,
                             thresholds={"rmse": 100}, primary_metric="r2", bootstrap_rounds=50)
    assert not decision.approved
    assert decision.reason.endswith("vs champion: r2 undefined on this holdout (100 rows): FAILED: no evidence the "
                                    "challenger is not worse (the holdout's target has one value, 5.0: r2 is "
                                    "undefined on it; rmse or mae as the primary metric are defined)")
