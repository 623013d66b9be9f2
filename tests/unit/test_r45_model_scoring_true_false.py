"""Batch scoring (``ctloop.scoring``) refuses, as the serving runtime does
(``ctloop.serving.payload.to_frame``), true/false where no trained category is one, and text where
only true/false are.

Was (round 44): a Parquet text column of "True"/"False" for a feature trained on true/false was
refused with "is string ... write True or False" (it held True and False); and a feature trained on
codes held as numbers (a category column of 1..3) given a Parquet boolean column reached the model
and failed with scikit-learn's "SimpleImputer does not support data with dtype bool", naming no
column, where the runtime refuses a JSON ``true`` for it naming the feature.

And such a model (codes 1..3 in a pandas ``category`` column, as a Parquet dictionary column reads
back) could not score its own data: batch scoring read the Parquet int64 codes as the text '1'
and refused them as "none of its numbers (e.g. 1) is the value of a category ... (1, 2, 3)"; the
serving runtime read them as text too and answered every request with the feature ignored (all
zeros from the encoder, counted as unknown). Now numbers for a feature trained on numbers are
given to the model as numbers (``payload.numbers_read_as_text``, one rule for both)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop import scoring
from ctloop.components.train import core as train
from ctloop.errors import DataSourceError, ServingError
from ctloop.serving.payload import flag_features, numbers_read_as_text, to_frame
from ctloop.storage import number_categories, trained_categories


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "flag": rng.random(n) > 0.5,
            "grade": pd.Categorical(rng.choice([1, 2, 3], size=n)),
        }
    )
    frame["y"] = ((frame.x1 + frame.flag + (frame.grade.astype(int) == 1)) > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train.fit(frame, target="y", estimator="logistic_regression", search_iterations=0)
    meta = result.meta
    scorer = scoring.Scorer(
        result.model, "credit", "1", "champion", meta["features"], meta["numeric"]
    )
    return frame[meta["features"]], scorer


@pytest.mark.parametrize(
    "written",
    [{True: "True", False: "False"}, {True: "true", False: "false"}],
    ids=["capitalised", "lower"],
)
def test_parquet_text_true_false_for_a_true_false_feature_says_it_is_text(
    trained, tmp_path, written
):
    features, scorer = trained
    features.assign(flag=features.flag.map(written)).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(
        DataSourceError,
        match=rf"^data: column 'flag' of {re.escape(str(tmp_path))}/in.parquet is "
        r"string, but credit v1 was trained with true/false there: it holds text "
        rf"\(e.g. '{written[features.flag.iloc[0]]}'\), not true/false, and no "
        r"text matches them .*: write the column as booleans \(a Parquet BOOLEAN "
        r"column\), not as text",
    ):
        scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r")
    assert not (tmp_path / "out").exists()


def test_the_runtime_refuses_text_true_for_a_true_false_feature_too(trained):
    features, scorer = trained
    text = [n for n in scorer.features if n not in scorer.numeric]
    no_flags, flags = flag_features(text, trained_categories(scorer.model))
    row = {"x1": 0.1, "flag": "True", "grade": 1}
    with pytest.raises(ServingError, match=r"feature 'flag' must be true or false"):
        to_frame(
            {"instances": [row]},
            scorer.features,
            scorer.numeric,
            text,
            no_flags=no_flags,
            flags=flags,
        )


def test_a_boolean_column_for_codes_held_as_numbers_is_refused_naming_it(trained, tmp_path):
    features, scorer = trained
    features.assign(grade=features.grade.astype(int) == 1).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(
        DataSourceError,
        match=rf"^data: column 'grade' of {re.escape(str(tmp_path))}/in.parquet is "
        r"bool, but credit v1 was trained with categories there \(1, 2, 3\): "
        r"every row would be scored as an unknown category",
    ):
        scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r")
    assert not (tmp_path / "out").exists()
    # as the serving runtime refuses a JSON true for it
    text = [n for n in scorer.features if n not in scorer.numeric]
    no_flags, flags = flag_features(text, trained_categories(scorer.model))
    with pytest.raises(
        ServingError,
        match=r"feature 'grade' must be a single value \(text or number; it was trained "
        r"on text, not true/false\); instance 0 has True",
    ):
        to_frame(
            {"instances": [{"x1": 0.1, "flag": True, "grade": True}]},
            scorer.features,
            scorer.numeric,
            text,
            no_flags=no_flags,
            flags=flags,
        )


@pytest.mark.parametrize("written", ["category", "int64", "csv"])
def test_codes_trained_as_numbers_score_as_those_codes(trained, tmp_path, written):
    features, scorer = trained
    if written == "csv":
        features.to_csv(tmp_path / "in.csv", index=False)
    else:
        features.astype({"grade": written}).to_parquet(tmp_path / "in.parquet")
    path = tmp_path / ("in.csv" if written == "csv" else "in.parquet")
    result = scoring.score(scorer, str(path), str(tmp_path / "out"), run_id="r")
    out = pd.concat([pd.read_parquet(f) for f in result.files], ignore_index=True)
    np.testing.assert_allclose(
        out.prediction_1.to_numpy(), scorer.model.predict_proba(features)[:, 1], rtol=0, atol=1e-12
    )


def test_the_runtime_serves_codes_trained_as_numbers_as_those_codes(trained):
    """As the runtime's ``CtloopModel.load`` and ``predict`` call ``to_frame`` (its ``as_text``)."""
    features, scorer = trained
    text = [n for n in scorer.features if n not in scorer.numeric]
    known = trained_categories(scorer.model)
    no_flags, flags = flag_features(text, known)
    rows = features.head(20)
    read = {}
    body = {
        "instances": [
            {"x1": r.x1, "flag": bool(r.flag), "grade": int(r.grade)} for r in rows.itertuples()
        ]
    }
    frame = to_frame(
        body,
        scorer.features,
        scorer.numeric,
        numbers_read_as_text(text, known),
        {c: number_categories(known[c]) for c in text},
        read,
        no_flags=no_flags,
        flags=flags,
    )
    assert read == {}  # no number read as text
    np.testing.assert_allclose(
        scorer.model.predict_proba(frame)[:, 1],
        scorer.model.predict_proba(rows)[:, 1],
        rtol=0,
        atol=1e-12,
    )
