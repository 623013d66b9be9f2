"""Batch scoring of a model with a feature that had no value in any training row (training takes it
out of the model's steps; the gate passes text in it). Was: the meta listed it as numeric, so
``load_scorer`` made a scorer that refused a Parquet column of text there ("column 'note' ... is
string, but m v1 needs numbers there"). Now the meta lists it as ``unused``: any scalar scores,
and changes no prediction."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ctloop import scoring
from ctloop.components.train.core import fit


class _Registry:
    """A double of the ``MlflowRegistry`` calls load_scorer makes (aliases, versions, load_meta,
    load_model), holding one version trained by ctloop's train core."""

    tracking_uri = "double://"

    def __init__(self, model, meta):
        self.model, self.meta = model, meta

    def aliases(self, name):
        return {"champion": "1"}

    def versions(self, name):
        return ["1"]

    def load_meta(self, name, version):
        return self.meta

    def load_model(self, name, version):
        return self.model


def test_text_in_a_feature_empty_in_training_is_scored(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x1": rng.normal(size=400), "note": np.full(400, np.nan)})
    frame["y"] = (frame.x1 + rng.normal(scale=0.3, size=400) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit(frame, target="y", estimator="logistic_regression", search_iterations=0)
    scorer = scoring.load_scorer(_Registry(result.model, result.meta), "m")
    data = pd.DataFrame(
        {"id": [1, 2, 3], "x1": [0.5, -0.5, 1.5], "note": ["late delivery", None, "ok"]}
    )
    data.to_parquet(tmp_path / "in.parquet")
    out = scoring.score(
        scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r1", id_column="id"
    )
    assert out.rows == 3
    scored = pq.read_table(tmp_path / "out").to_pandas().sort_values("id")
    expected = result.model.predict_proba(data[["x1"]].assign(note=np.nan))
    np.testing.assert_allclose(
        scored[["prediction_0", "prediction_1"]].to_numpy(), expected, atol=1e-12
    )
