"""Round 42 (model surface): a text feature of thousands of categories (a shop, a postcode).

Was: every value seen 5+ times became its own dense one-hot column: 20,000 rows with a column of
5,000 shops made a 20,000 x 1,814 float64 matrix, and HistGradientBoosting binned and split all
1,814 columns (108 s on one core here, 130 s reported); linear models and forests paid the same
width. Now each text column keeps its ``ONE_HOT_MAX_CATEGORIES - 1`` most frequent values (seen
``ONE_HOT_MIN_FREQUENCY``+ times) as columns and pools the rest into one "infrequent" column
(scikit-learn 1.9.1 ``OneHotEncoder(max_categories=...)``, which counts the pooled column), and
the model's notes say so."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ctloop.components.train import core
from ctloop.contract import ONE_HOT_MAX_CATEGORIES, ONE_HOT_MIN_FREQUENCY


def _shops(n: int, k: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    shop = rng.integers(0, k, n)
    x1 = rng.normal(size=n)
    y = ((x1 + (shop < 20) + rng.normal(scale=0.5, size=n)) > 0.5).astype(int)
    return pd.DataFrame({"x1": x1, "shop": [f"s{c}" for c in shop], "y": y})


def test_a_column_of_thousands_of_categories_is_capped_and_noted():
    frame = _shops(6000, 1500)  # ~4 rows a shop: some 560 shops seen 5+ times
    assert (frame["shop"].value_counts() >= ONE_HOT_MIN_FREQUENCY).sum() > ONE_HOT_MAX_CATEGORIES
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = core.fit(
            frame,
            target="y",
            task="classification",
            estimator="logistic_regression",
            search_iterations=0,
        )
    width = result.model[:-1].transform(frame.head(3)).shape[1]
    assert width == 1 + ONE_HOT_MAX_CATEGORIES, width
    note = next(n for n in result.meta["notes"] if "'shop'" in n)
    assert (
        f"its {ONE_HOT_MAX_CATEGORIES - 1} most frequent" in note and "share one column" in note
    ), note
    # the frequent shops still read as themselves; an unseen one is no error
    scored = result.model.predict_proba(
        pd.DataFrame({"x1": [0.0, 0.0], "shop": ["s1", "never-seen"]})
    )
    assert scored.shape == (2, 2)


def test_a_column_below_the_cap_is_encoded_as_before():
    frame = _shops(3000, 40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = core.fit(
            frame,
            target="y",
            task="classification",
            estimator="logistic_regression",
            search_iterations=0,
        )
    assert result.model[:-1].transform(frame.head(3)).shape[1] == 1 + 40
    assert not any("'shop'" in n for n in result.meta["notes"])
