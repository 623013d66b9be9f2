"""A text value never seen in training, under the one-hot cap (``min_frequency``/``max_categories``:
the rare values pooled in one column). Was: ``handle_unknown="ignore"`` scored it with none of the
feature's columns (all zeros), unlike the rare values it most resembles, which share the pooled
column. Now ``handle_unknown="infrequent_if_exist"`` (scikit-learn 1.9 ``OneHotEncoder``) scores it
as those pooled values, and batch scoring's summary says so; a model trained before (``ignore``)
still loads, scores as it did, and is described as before."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ctloop import scoring
from ctloop.components.train.core import fit


def _trained():
    rng = np.random.default_rng(0)
    common = rng.choice(list("abcde"), size=500)
    rare = np.array([f"r{i}" for i in range(40) for _ in range(2)])  # 40 values seen twice: pooled
    frame = pd.DataFrame({"x1": rng.normal(size=580), "shop": np.concatenate([common, rare])})
    frame["y"] = ((frame.x1 > 0) | frame.shop.str.startswith("r")).astype(
        int
    )  # the pooled values say 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(
            frame.sample(frac=1, random_state=0),
            target="y",
            estimator="logistic_regression",
            search_iterations=0,
        )


def test_a_value_never_seen_is_scored_as_the_pooled_rare_values():
    model = _trained().model
    rows = pd.DataFrame({"x1": [-1.0, -1.0, -1.0], "shop": ["zz-new", "r3", "a"]})
    p = model.predict_proba(rows)[:, 1]
    assert p[0] == p[1] and p[0] != p[2]


def test_batch_scoring_says_how_unknown_values_were_scored(tmp_path):
    result = _trained()
    data = pd.DataFrame({"x1": [-1.0, 0.5], "shop": ["zz-new", "a"]})
    data.to_parquet(tmp_path / "in.parquet")
    scorer = scoring.Scorer(result.model, "shops", "1", "champion", ["x1", "shop"], ["x1"])
    out = scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r1")
    assert (
        "'shop': 1 of 2 row(s) hold text the model was not trained with there, scored as its infrequent "
        "values (the column they share) (e.g. 'zz-new')" in out.summary()
    ), out.summary()
    # a model trained before this change (handle_unknown="ignore"): scored and described as before
    older = result.model
    older.named_steps["preprocess"].named_transformers_["categorical"].named_steps[
        "onehot"
    ].handle_unknown = "ignore"
    scorer = scoring.Scorer(older, "shops", "1", "champion", ["x1", "shop"], ["x1"])
    out = scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "old"), run_id="r2")
    assert "ignored: scored with none of its categories (e.g. 'zz-new')" in out.summary(), (
        out.summary()
    )
