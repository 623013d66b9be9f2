"""Batch scoring (and the gate's holdout) with a nullable number column (pandas' ``Int64``/``Float64``, as a Parquet file written from
them reads back) for a text feature trained on codes written as numbers ('1'..'3'): each number is read as
its trained text and a gap as a gap, as the same column without gaps (int64) or with NaN (float64) is.

Was (round 45, left alone): the gap stayed ``pd.NA`` after the numbers were read as text, and
scikit-learn's imputer failed: "credit v1 cannot score rows 0..3 of ...: boolean value of NA is
ambiguous" (``sklearn/utils/fixes.py`` ``_object_dtype_isnan``, scikit-learn 1.9.1); the gate said "the
challenger cannot score the holdout data: boolean value of NA is ambiguous"."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop import scoring
from ctloop.components.train import core as train


@pytest.fixture(scope="module")
def scorer():
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({"x1": rng.normal(size=n), "grade": rng.choice(["1", "2", "3"], size=n)})
    frame["y"] = ((frame.x1 + (frame.grade == "1")) > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train.fit(frame, target="y", estimator="logistic_regression", search_iterations=0)
    return scoring.Scorer(
        result.model, "credit", "1", "champion", result.meta["features"], result.meta["numeric"]
    )


def _scored(scorer, tmp_path, grade, name):
    path = tmp_path / f"{name}.parquet"
    pd.DataFrame({"x1": [0.1, 0.2, 0.3, 0.4], "grade": grade}).to_parquet(path)
    result = scoring.score(
        scorer, str(path), str(tmp_path / f"out-{name}"), run_id="r", log_root=""
    )
    table = pd.read_parquet(result.files[0])
    return result, table[[c for c in table.columns if c.startswith("prediction_")]].to_numpy()


@pytest.mark.parametrize(
    "dtype", ["Int64", "Float64", "int64[pyarrow]"], ids=["Int64", "Float64", "arrow-int64"]
)
def test_a_nullable_number_column_with_a_gap_scores_as_codes_and_a_gap(scorer, tmp_path, dtype):
    result, got = _scored(scorer, tmp_path, pd.array([1, None, 3, 2], dtype=dtype), "nullable")
    _, want = _scored(scorer, tmp_path, np.array([1.0, np.nan, 3.0, 2.0]), "float")
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert result.rows == 4
    assert result.numbers_as_text["grade"].unknown == 0  # 1, 3 and 2 are the codes '1', '3', '2'


def test_the_gate_scores_a_holdout_with_a_nullable_number_column_as_batch_scoring_does(scorer):
    from ctloop.components.evaluate import core as evaluate

    y = [1, 0, 1, 0] * 5
    nullable = pd.DataFrame(
        {
            "x1": np.linspace(-1, 1, 20),
            "grade": pd.array([1, None, 3, 2] * 5, dtype="Int64"),
            "y": y,
        }
    )
    floats = nullable.assign(grade=np.array([1.0, np.nan, 3.0, 2.0] * 5))
    got = evaluate.score(scorer.model, nullable, target="y", task="classification")
    assert got == evaluate.score(scorer.model, floats, target="y", task="classification")
