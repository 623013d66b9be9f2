"""A champion (a model of one's own, ``module:Class``) whose predict_proba or predict gives NaN or
infinity for some holdout rows cannot be compared with: the challenger is judged on the absolute
thresholds alone (``champion_skipped: outputs``), as with a champion whose schema or task changed,
the reason naming the champion's version and the rows. Was (round 43): every retrain stopped with
"the champion cannot be judged ..." until someone removed the champion by hand; before that, a
comparison delta of NaN that the challenger "passed"."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train.core import fit


class _NaNOnFirstRow:
    """A user's classifier whose probabilities are NaN on the first row it is given."""

    feature_names_in_ = np.array(["x1"], dtype=object)
    classes_ = np.array([0, 1])

    def predict_proba(self, x):
        proba = np.full((len(x), 2), 0.5)
        proba[0] = np.nan
        return proba

    def predict(self, x):
        return np.zeros(len(x), dtype=int)


class _InfOnFirstRow:
    """A user's regressor whose prediction is infinite on the first row it is given."""

    feature_names_in_ = np.array(["x1"], dtype=object)

    def predict(self, x):
        pred = np.asarray(x["x1"], dtype=float).copy()
        pred[0] = np.inf
        return pred


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x1": rng.normal(size=300)})
    frame["y"] = (frame.x1 > 0).astype(int)
    frame.index = frame.index + 1000
    return frame


def _fit(frame, estimator, task="classification"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(frame, target="y", task=task, estimator=estimator, search_iterations=0).model


@pytest.mark.parametrize("bound, approved", [(0.5, True), (1e-9, False)])
def test_a_champion_with_nan_probabilities_is_skipped_and_the_thresholds_decide(data, bound, approved):
    decision = evaluate.gate(_fit(data, "logistic_regression"), data, target="y", task="classification",
                             champion=_NaNOnFirstRow(), champion_version="7", thresholds={"log_loss": bound},
                             bootstrap_rounds=20)
    assert decision.champion_skipped == "outputs" and not decision.judged
    assert decision.approved is approved and decision.comparison is None and decision.champion_metrics is None
    assert ("the champion (version 7) cannot be compared: its predict_proba gave NaN or infinite values for 1 of "
            "300 holdout rows (first: row 1000): judged on absolute thresholds only") in decision.reason


def test_a_champion_with_infinite_predictions_is_skipped(data):
    frame = data.assign(y=data.x1 * 2)
    decision = evaluate.gate(_fit(frame, "linear_regression", "regression"), frame, target="y",
                             task="regression", champion=_InfOnFirstRow(), thresholds={"rmse": 5.0},
                             bootstrap_rounds=20)
    assert decision.champion_skipped == "outputs" and decision.approved
    assert "the champion cannot be compared: its predict gave NaN or infinite values for 1 of 300" in decision.reason
