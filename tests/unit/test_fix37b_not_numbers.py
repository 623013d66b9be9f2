"""A dict, a list or a time in a numeric feature of the gate's holdout or a scoring batch: one line
naming the column, not scikit-learn's bare ``TypeError: float() argument must be a string or a real
number, not 'dict'`` traceback; quoted raw values cut to about 40 characters."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop import scoring
from ctloop.components.evaluate import core as ev
from ctloop.components.train import core as train
from ctloop.config import GateConfig
from ctloop.errors import EvaluationError


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(0)
    n = 400
    f = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "region": rng.choice(["n", "s"], n)})
    f["y"] = (f.a > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return train.fit(f, target="y", estimator="logistic_regression").model, f


@pytest.mark.parametrize("value, kind", [({"k": 1}, "dict"), (pd.Timestamp("2026-01-01"), "Timestamp"),
                                         ([1, 2], "list")])
def test_a_value_that_is_no_number_in_a_numeric_feature_is_named(model, value, kind):
    m, f = model
    h = f.iloc[:100].copy()
    h["b"] = h["b"].astype(object)
    h.at[h.index[3], "b"] = value
    with pytest.raises(EvaluationError, match=rf"^the challenger cannot score the holdout data: its numeric feature "
                                              rf"'b' holds {kind} values \(e.g. .*, 1 row\(s\)\), not numbers"):
        ev.run(m, h, GateConfig(thresholds={"roc_auc": 0.5}, bootstrap_rounds=20), target="y",
               task="classification", champion=m)


def test_long_text_in_a_numeric_feature_is_quoted_cut(model):
    m, f = model
    h = f.iloc[:100].copy()
    h["b"] = h["b"].astype(object)
    h.at[h.index[3], "b"] = "x" * 500
    with pytest.raises(EvaluationError) as caught:
        ev.run(m, h, GateConfig(thresholds={"roc_auc": 0.5}, bootstrap_rounds=20), target="y",
               task="classification", champion=m)
    assert "'" + "x" * 38 + "…" in str(caught.value) and "x" * 60 not in str(caught.value)


def test_scoring_names_the_column_of_a_value_that_is_no_number():
    frame = pd.DataFrame({"a": [0.5, 1.0], "b": pd.Series([1.5, {"k": 1}], dtype=object)})
    why = scoring._why_unscorable(frame, ["a", "b"], 200, TypeError("float() argument must be a string or a "
                                                                    "real number, not 'dict'"))
    assert why.startswith("column 'b' holds dict values, not numbers, in 1 row(s), first row 202 (e.g. {'k': 1}")
