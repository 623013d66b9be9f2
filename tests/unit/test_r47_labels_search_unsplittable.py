"""Under a randomized search, hist_gradient_boosting leaves out the one-hot columns no tree can split
on too (round 47).

``train.core.drop_unsplittable`` (round 46) left out the one-hot columns of categories in fewer than
``min_samples_leaf`` rows (an ID column: 534 s instead of 63 s to fit 300,000 rows) only when
``training.search_iterations`` was 0: under a search every candidate of every fold, and the refit,
binned and scanned them all. Now each candidate and the refit leave them out by their own
``min_samples_leaf``; the search chooses what it chose, and the model predicts what it did.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ctloop.components.train import core as train


def _frame(n=1200, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, n // 3, n)  # about 3 rows an ID: under every searched min_samples_leaf (20, 50, 100)
    frame = pd.DataFrame({"x1": rng.normal(size=n), "id": [f"c{i}" for i in ids],
                          "cat": rng.choice(list("abc"), n, p=[0.5, 0.3, 0.2])})
    frame["y"] = ((frame.x1 + (frame.cat == "b")) > 0.4).astype(int)
    return frame


def _steps(model) -> list[str]:
    return list(model.named_steps["preprocess"].named_transformers_["categorical"].named_steps)


def test_the_searched_model_leaves_out_unsplittable_columns_and_predicts_the_same():
    frame = _frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train.fit(frame, target="y", estimator="hist_gradient_boosting", search_iterations=2,
                           params={"max_iter": 10})
    assert _steps(result.model) == ["impute", "onehot", "splittable"]
    assert result.model[-1].n_features_in_ == 1 + 3 + 1  # x1, a/b/c, the ID's pooled rare values
    meta = result.meta
    full, _ = train.build_pipeline(task="classification", estimator="hist_gradient_boosting",
                                   params={**meta["params"], **{k.removeprefix("model__"): v
                                                                 for k, v in result.best_params.items()}},
                                   numeric=meta["numeric"], categorical=meta["categorical"])
    x = frame[meta["features"]]
    full.fit(x, frame.y)
    assert full[-1].n_features_in_ > 50
    np.testing.assert_array_equal(result.model.predict_proba(x), full.predict_proba(x))
