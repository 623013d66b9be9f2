"""Round 40 (training surface): the gate's metrics of a model do not depend on the other model's classes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate.core import gate, metric_values
from ctloop.components.train.core import fit

THRESHOLDS = {"precision": 0.5, "recall": 0.5, "f1": 0.5}


@pytest.fixture(scope="module")
def churn():
    rng = np.random.default_rng(0)
    x = rng.normal(size=600)
    y = np.where(x + rng.normal(size=600) * 0.8 > 0.8, "churn", "stay")
    df = pd.DataFrame({"x": x, "z": rng.normal(size=600), "y": y})
    older = df.iloc[:300].copy()
    older.loc[older.index[:40], "y"] = "paused"  # a class of the champion's window, gone since
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        three = fit(older, target="y", estimator="logistic_regression").model
        two = fit(df.iloc[:400], target="y", estimator="logistic_regression").model
    return two, three, df.iloc[400:]


def test_a_champion_class_no_holdout_row_holds_does_not_change_the_challengers_metrics(churn):
    # the binary challenger's precision/recall/F1 (of its positive class) became macro averages over
    # churn/stay/paused once the champion knew 'paused': recall 0.897 read 0.763, a recall threshold
    # passed without a champion failed with one, and the ROC curve was gone
    challenger, champion, holdout = churn
    alone = gate(challenger, holdout, target="y", task="classification", thresholds=THRESHOLDS)
    versus = gate(challenger, holdout, target="y", task="classification", champion=champion, thresholds=THRESHOLDS)
    assert versus.challenger_metrics == alone.challenger_metrics
    assert versus.reference == alone.reference
    assert versus.curves == alone.curves and "roc" in versus.curves
    assert [c for c in versus.checks if c["check"] == "threshold"] == \
        [c for c in alone.checks if c["check"] == "threshold"]
    values = metric_values(versus)
    assert {k: v for k, v in values.items() if k.startswith("challenger.")} == \
        {k: v for k, v in metric_values(alone).items() if k.startswith("challenger.")}
    assert versus.comparison is not None  # still compared with the champion, on the same rows


def test_a_challenger_class_no_holdout_row_holds_does_not_change_the_champions_metrics(churn):
    # the other way round: the champion's metrics are its own, as the gate reports them for it as a challenger
    binary, three, holdout = churn
    as_challenger = gate(binary, holdout, target="y", task="classification", thresholds=THRESHOLDS)
    versus = gate(three, holdout, target="y", task="classification", champion=binary, thresholds=THRESHOLDS)
    assert versus.champion_metrics == as_challenger.challenger_metrics
