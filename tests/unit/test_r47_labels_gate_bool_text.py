"""The gate reads True/False text as the booleans a feature was trained on (round 47).

A feature trained on True/False (a Parquet bool column: ``train.core._bools_as_categories``) was
scored on a holdout whose column holds the text ``'True'``/``'False'`` (the same table exported
to CSV with a word among the values, a JSON source) as an unknown category in every row: the
model was judged without the feature, its ROC AUC fell from 0.88 to 0.50, and nothing said so. A
champion trained on the booleans thus lost to any challenger. The gate now reads the text pandas'
CSV reader reads as booleans (``True``/``TRUE``/``true``, ``False``/``FALSE``/``false``) as them
there, and its reason says how many values it read so.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as gate
from ctloop.components.train import core as train


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    n = 600
    flag = rng.random(n) < 0.5
    frame = pd.DataFrame({"flag": flag, "x": rng.normal(size=n), "y": (flag ^ (rng.random(n) < 0.1)).astype(int)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = train.fit(frame.iloc[:400], target="y", estimator="logistic_regression").model
    return model, frame.iloc[400:].reset_index(drop=True)


def _judge(model, holdout):
    return gate.gate(model, holdout, target="y", task="classification", thresholds={"roc_auc": 0.5})


@pytest.mark.parametrize("words", [("True", "False"), ("true", "false"), (" TRUE ", "FALSE")])
def test_text_booleans_score_as_the_booleans(fitted, words):
    model, holdout = fitted
    as_bools = _judge(model, holdout)
    text = holdout.assign(flag=holdout["flag"].map(dict(zip((True, False), words, strict=True))))
    as_text = _judge(model, text)
    assert as_text.challenger_metrics["roc_auc"] == pytest.approx(as_bools.challenger_metrics["roc_auc"])
    assert as_bools.challenger_metrics["roc_auc"] > 0.8
    assert f"the holdout's text in 'flag' read as the True/False the challenger learnt ({len(holdout)} value(s))" \
        in as_text.reason
    assert "True/False" not in as_bools.reason


def test_other_words_stay_unknown_and_are_named(fitted):
    model, holdout = fitted
    text = holdout.assign(flag=holdout["flag"].map({True: "True", False: "no"}))
    decision = _judge(model, text)
    others = int((~holdout["flag"]).sum())
    assert f"{others} other value(s), e.g. 'no', no True/False: an unknown category" in decision.reason
