"""Review revB item 1: the gate's comparison with the champion runs over both models' classes, while each
model's reported metrics are over its own classes; what a user reads must agree with what decided."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from ctloop.components.evaluate.core import gate, metric_values


def _case(seed: int = 14):
    # a binary challenger against a champion that also knows 'maybe', a class no holdout row holds
    rng = np.random.default_rng(seed)
    thr, noise, cn = rng.uniform(0.5, 1.8), rng.uniform(0.3, 2.0), rng.uniform(0.3, 2.5)

    def rows(n, scale):
        x = rng.normal(size=n)
        return x, np.where(x + rng.normal(scale=scale, size=n) > thr, "yes", "no")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x, y = rows(1500, noise)
        challenger = LogisticRegression().fit(pd.DataFrame({"x": x}), y)
        x2 = rng.normal(size=1500)
        z = x2 + rng.normal(scale=cn, size=1500)
        champion = LogisticRegression().fit(pd.DataFrame({"x": x2}),
                                            np.where(z > thr, "yes", np.where(z < -thr, "maybe", "no")))
        xh, yh = rows(400, 0.6)
        return gate(challenger, pd.DataFrame({"x": xh, "y": yh}), target="y", task="classification",
                    champion=champion, thresholds={"f1": 0.0}, primary_metric="f1", bootstrap_rounds=200,
                    tolerance=0.0)


def test_the_reason_and_the_metrics_carry_the_values_the_comparison_used():
    decision = _case()
    comp = decision.comparison
    own = decision.challenger_metrics["f1"] - decision.champion_metrics["f1"]
    assert np.sign(own) != np.sign(comp["delta"])  # the case the review found: own metrics and comparison disagree
    # the reason names the compared values, whose difference is the delta that decided
    found = re.search(r"challenger ([0-9.]+), champion ([0-9.]+)", decision.reason)
    assert found, decision.reason
    assert float(found[1]) - float(found[2]) == \
        pytest.approx(comp["delta"], abs=2e-4)
    assert "both models' classes" in decision.reason
    # the flat metrics too: <primary>.challenger − <primary>.champion is <primary>.delta
    values = metric_values(decision)
    assert values["f1.challenger"] - values["f1.champion"] == pytest.approx(values["f1.delta"], abs=1e-5)


def test_same_classes_keep_the_reason_as_it_was():
    rng = np.random.default_rng(1)
    x = rng.normal(size=800)
    y = np.where(x + rng.normal(size=800) > 0.3, "yes", "no")
    df = pd.DataFrame({"x": x, "y": y})
    a = LogisticRegression().fit(df[["x"]].iloc[:300], y[:300])
    b = LogisticRegression().fit(df[["x"]].iloc[300:600], y[300:600])
    decision = gate(a, df.iloc[600:], target="y", task="classification", champion=b, thresholds={"f1": 0.0},
                    primary_metric="f1", bootstrap_rounds=200)
    assert "both models' classes" not in decision.reason
    values = metric_values(decision)
    assert values["f1.challenger"] == values["challenger.f1"] and values["f1.champion"] == values["champion.f1"]
