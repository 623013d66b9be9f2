"""Round 42 (model surface): the same rows in another order (a Parquet dataset's files listed in
another order, a database without ORDER BY) make the same prepared data and the same model.

Was: prepare_data sorted by the time column only (stable), so rows sharing a timestamp (a daily
date: hundreds of rows a day) kept the source's order; HistGradientBoosting's early-stopping
validation split draws rows by position, so the same rows in another order trained another model
(predictions differed), and the dataset digest changed. Now rows sharing a timestamp are put in a
canonical order (by a hash of their values)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ctloop.components.prepare import core as prepare
from ctloop.components.train import core as train


def _days(n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "day": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 30, n), unit="D"),
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "shop": rng.choice(["a", "b", "c", None], size=n),
        }
    )
    frame["y"] = (frame.x1 + frame.x2 * 0.5 + rng.normal(scale=0.8, size=n) > 0).astype(int)
    return frame


def test_the_same_rows_in_another_order_train_the_same_model():
    frame = _days()
    shuffled = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    a = prepare.prepare(frame, target="y", time_column="day", window="")
    b = prepare.prepare(shuffled, target="y", time_column="day", window="")
    pd.testing.assert_frame_equal(a.train, b.train)
    assert a.digest == b.digest
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models = [
            train.fit(
                p.train.drop(columns="day"),
                target="y",
                estimator="hist_gradient_boosting",
                params={
                    "early_stopping": True,
                    "max_iter": 60,
                },  # as from 10,000 rows on (early_stopping "auto")
                search_iterations=0,
            ).model
            for p in (a, b)
        ]
    holdout = a.holdout.drop(columns=["day", "y"])
    assert np.array_equal(models[0].predict_proba(holdout), models[1].predict_proba(holdout))
