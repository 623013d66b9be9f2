"""A model of one's own (``module:Class``) whose predict_proba or predict gives NaN for some rows.

Was: as the challenger, the gate raised scikit-learn's "ValueError: Input contains NaN." from the
metrics (a traceback naming neither the model nor a row). Now it is refused in one line naming the
model's role, the method and the rows."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train.core import fit
from ctloop.errors import EvaluationError


class _NaNOnFirstRow:
    """A user's classifier (or regressor) whose output is NaN on the first row it is given."""

    feature_names_in_ = np.array(["x1"], dtype=object)
    classes_ = np.array([0, 1])

    def predict_proba(self, x):
        proba = np.full((len(x), 2), 0.5)
        proba[0] = np.nan
        return proba

    def predict(self, x):
        pred = np.asarray(x["x1"], dtype=float).copy()
        pred[0] = np.inf
        return pred


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x1": rng.normal(size=300)})
    frame["y"] = (frame.x1 > 0).astype(int)
    frame.index = frame.index + 1000  # the holdout's own row labels
    return frame


@pytest.fixture(scope="module")
def model(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(data, target="y", estimator="logistic_regression", search_iterations=0).model


def test_nan_probabilities_are_refused_naming_the_model_and_row(data, model):
    # a champion's NaN outputs: judged on absolute thresholds only (tests/unit/test_fix43f_gate_champion_nan.py)
    challenger, champion, role = _NaNOnFirstRow(), model, "challenger"
    with pytest.raises(EvaluationError, match=rf"^the {role} cannot be judged: its predict_proba gave NaN or "
                                              r"infinite values for 1 of 300 holdout rows \(first: row 1000\)"):
        evaluate.gate(challenger, data, target="y", task="classification", champion=champion,
                      thresholds={"roc_auc": 0.5}, bootstrap_rounds=20)


def test_infinite_regression_predictions_are_refused(data):
    with pytest.raises(EvaluationError, match=r"^the challenger cannot be judged: its predict gave NaN or infinite"):
        evaluate.gate(_NaNOnFirstRow(), data.assign(y=data.x1 * 2), target="y", task="regression",
                      thresholds={"rmse": 5.0}, bootstrap_rounds=20)
