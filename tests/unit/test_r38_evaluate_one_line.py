"""A champion that cannot score the holdout for a reason none of the named cases covers was
``EvaluationError(f"... cannot score the holdout data: {exc}")`` with scikit-learn's whole message:
for a missing value fed to an estimator without an imputer (a model registered by hand, not by
``train_model``) scikit-learn 1.x's ``_assert_all_finite`` (``sklearn/utils/validation.py``) writes
"Input X contains NaN." and then a paragraph on other lines. The error is one line: the first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from components.evaluate import core as eval_core
from ctloop.config import GateConfig
from ctloop.errors import EvaluationError


def test_a_scikit_learn_message_of_several_lines_is_one_line():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    y = (x["a"] + x["b"] > 0).astype(int)
    bare = LogisticRegression().fit(x, y)  # no imputer in front of it
    holdout = x.assign(label=y)
    holdout.loc[3, "a"] = np.nan
    with pytest.raises(EvaluationError) as err:
        eval_core.run(bare, holdout, GateConfig(), target="label", task="classification")
    message = str(err.value)
    assert "\n" not in message
    assert "cannot score the holdout data" in message and "contains NaN" in message
