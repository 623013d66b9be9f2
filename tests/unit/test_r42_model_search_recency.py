"""Round 42 (model surface): the hyperparameter search's time-ordered folds with recency weights.

Was: ``RandomizedSearchCV`` handed every fold the weights of the whole window (relative to its newest
row); with a short ``data.recency_half_life`` an early fold's training rows weigh ~1e-20,
HistGradientBoosting found no split and every candidate scored ROC AUC 0.5 on every fold
(``cv_score`` 0.5): the parameters were chosen on meaningless scores. Now each fold's rows are
weighted as if trained at the fold's end."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ctloop.columns import WEIGHT
from ctloop.components.train import core


def _frame(n: int = 1200, half_life_rows: float | None = 20.0) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    frame["y"] = (frame.x1 + rng.normal(scale=0.5, size=n) > 0).astype(int)
    if half_life_rows:
        frame[WEIGHT] = 0.5 ** ((n - 1 - np.arange(n)) / half_life_rows)
    return frame


def test_a_short_half_life_search_scores_the_folds():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = core.fit(
            _frame(), target="y", estimator="hist_gradient_boosting", search_iterations=3
        )
    assert result.metrics["cv_score"] > 0.85, result.metrics  # was 0.5: no fold learnt anything


def test_without_weights_the_search_is_scikit_learns():
    from sklearn.model_selection import RandomizedSearchCV

    from ctloop.estimators import search_key, search_space

    frame = _frame(600, None)
    x, y = frame[["x1", "x2"]], frame["y"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = core.fit(
            frame, target="y", estimator="logistic_regression", search_iterations=4, seed=3
        )
    pipeline, _ = core.build_pipeline(
        task="classification",
        estimator="logistic_regression",
        params={},
        numeric=["x1", "x2"],
        categorical=[],
        seed=3,
    )
    space = search_space("logistic_regression")
    keys = {f"model__{search_key('logistic_regression', k, 'classification')}": k for k in space}
    folds, _ = core.search_folds(y, x, "classification", 2)
    theirs = RandomizedSearchCV(
        pipeline,
        {k: space[n] for k, n in keys.items()},
        n_iter=4,
        scoring="roc_auc",
        cv=folds,
        random_state=3,
    ).fit(x, y)
    assert result.best_params == {keys[k]: v for k, v in theirs.best_params_.items()}
    assert np.isclose(result.metrics["cv_score"], theirs.best_score_)
