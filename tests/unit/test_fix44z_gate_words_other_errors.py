"""Round 44 read a few words in a champion's numeric feature as missing and, when the champion
then failed, fell back to skipping it as a changed column type — for any failure. A champion that
refuses the holdout for its own reason (a category its OneHotEncoder never saw) was then skipped
and the challenger approved on thresholds alone, because of one stray '?'; without the '?' the
same gate is an error. Only the NaN the filled words became (a champion without an imputer:
"Input X contains NaN") falls back to the skip."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train.core import fit
from ctloop.errors import EvaluationError

N = 1400


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    f = pd.DataFrame({"rooms": rng.integers(1, 9, N).astype(float), "city": rng.choice(["a", "b"], N),
                      "x": rng.normal(size=N)})  # fmt: skip
    f["y"] = 10 * f.rooms + f.x + rng.normal(size=N)
    return f


@pytest.fixture(scope="module")
def challenger(frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(frame.iloc[600:900].drop(columns=["rooms"]), target="y", task="regression",
                   estimator="linear_regression", search_iterations=0).model  # fmt: skip


def _gate(challenger, champion, holdout):
    return evaluate.gate(challenger, holdout, target="y", task="regression", champion=champion,
                         thresholds={"rmse": 25.0}, primary_metric="rmse", bootstrap_rounds=20)  # fmt: skip


def _one_word(holdout: pd.DataFrame) -> pd.DataFrame:
    return holdout.assign(rooms=holdout.rooms.where(holdout.index != N - 2, "?"))


def test_a_champions_own_refusal_stays_an_error_with_a_stray_word(frame, challenger):
    encoder = ColumnTransformer([("n", SimpleImputer(), ["rooms", "x"]), ("c", OneHotEncoder(), ["city"])])
    champion = Pipeline([("ct", encoder), ("m", LinearRegression())])
    champion.fit(frame.iloc[:600][["rooms", "city", "x"]], frame.y.iloc[:600])
    holdout = frame.iloc[900:].astype({"rooms": object}).copy()
    holdout.loc[N - 1, "city"] = "c"  # a city the champion never saw
    for rows in (holdout, _one_word(holdout)):
        with pytest.raises(EvaluationError, match="unknown categories"):
            _gate(challenger, champion, rows)


def test_a_champion_without_imputer_still_falls_back_to_the_skip(frame, challenger):
    champion = Pipeline([("s", StandardScaler()), ("m", LinearRegression())])
    champion.fit(frame.iloc[:600][["rooms", "x"]], frame.y.iloc[:600])
    decision = _gate(challenger, champion, _one_word(frame.iloc[900:].astype({"rooms": object})))
    assert decision.champion_skipped == "schema"


def test_a_real_blank_in_another_feature_stays_an_error_with_a_stray_word(frame, challenger):
    champion = Pipeline([("s", StandardScaler()), ("m", LinearRegression())])
    champion.fit(frame.iloc[:600][["rooms", "x"]], frame.y.iloc[:600])
    holdout = frame.iloc[900:].astype({"rooms": object}).copy()
    holdout.loc[N - 3, "x"] = np.nan  # the champion's own refusal, with or without the word
    for rows in (holdout, _one_word(holdout)):
        with pytest.raises(EvaluationError, match="contains NaN"):
            _gate(challenger, champion, rows)
