"""Models trained before round 42 list a feature with no value in any training row (a form field
nobody had filled yet) as numeric: their meta has no ``unused`` and their numeric imputer reads
the column (trained after 2026-12-03 with ``keep_empty_features``: the fit's note names it; before:
the imputer's statistic is NaN and it drops the column). Such a model learnt nothing from it.

Was: when the field's first answers arrived as text, batch scoring refused every batch ("column
'note' ... is string, but m v1 needs numbers there") and the gate failed every retrain with "the
champion cannot score the holdout data: its numeric feature 'note' holds text ... write the column
as numbers" — advice for a column that never held a number. Now the column is read as empty for
such a model, as a model trained since reads it: it scores, and the answers change no prediction."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ctloop import scoring
from ctloop.components.evaluate import core as evaluate
from ctloop.components.train.core import build_pipeline, fit

sys.path.insert(0, str(Path(__file__).parent))
from test_fix42d_unused_feature_scoring import _Registry  # noqa: E402  (the MlflowRegistry double)


def _frame(n=400, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x1": rng.normal(size=n), "note": np.full(n, np.nan)})  # float64, as read
    frame["y"] = (frame.x1 + rng.normal(scale=0.3, size=n) > 0).astype(int)
    return frame


def _old_model(keep_empty: bool, estimator: str = "logistic_regression"):
    """A model and meta as ctloop trained them before round 42: 'note' in the numeric step, no
    ``unused``; ``keep_empty``: imputers keep empty features (2026-12-03 .. round 42; the fit's note
    names the column), else the imputer drops it (before)."""
    frame = _frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        meta = fit(frame, target="y", estimator=estimator, search_iterations=0).meta
        model, _ = build_pipeline(task="classification", estimator=estimator, params={},
                                  numeric=["x1", "note"], categorical=[])
        if not keep_empty:
            model.set_params(preprocess__numeric__impute__keep_empty_features=False)
        model.fit(frame[["x1", "note"]], frame.y)
    meta = {k: v for k, v in meta.items() if k != "unused"}
    if not keep_empty:
        meta["notes"] = []  # the note came with keep_empty_features
    assert meta["numeric"] == ["x1", "note"]
    return model, meta


OLD = [pytest.param(True, id="keep_empty_features"), pytest.param(False, id="imputer_drops_it")]


@pytest.mark.parametrize("keep_empty", OLD)
@pytest.mark.parametrize("later", [["late delivery", None, "ok"], [3.5, None, 7.0]], ids=["text", "numbers"])
def test_batch_scoring_an_old_model_reads_the_empty_feature_as_empty(tmp_path, keep_empty, later):
    model, meta = _old_model(keep_empty)
    scorer = scoring.load_scorer(_Registry(model, meta), "m")
    data = pd.DataFrame({"id": [1, 2, 3], "x1": [0.5, -0.5, 1.5], "note": later})
    data.to_parquet(tmp_path / "in.parquet")
    out = scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r1", id_column="id")
    assert out.rows == 3
    scored = pq.read_table(tmp_path / "out").to_pandas().sort_values("id")
    expected = model.predict_proba(data[["x1"]].assign(note=np.nan))
    np.testing.assert_allclose(scored[["prediction_0", "prediction_1"]].to_numpy(), expected, atol=1e-12)


@pytest.mark.parametrize("keep_empty", OLD)
def test_the_gate_compares_with_an_old_champion_when_the_empty_feature_fills(keep_empty):
    champion, meta = _old_model(keep_empty)
    holdout = _frame(300, seed=1)
    holdout["note"] = np.where(np.arange(300) % 3 == 0, "late delivery", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        challenger = fit(_frame(400, seed=2).assign(note="x"), target="y", estimator="logistic_regression",
                         search_iterations=0).model
    decision = evaluate.gate(challenger, holdout, target="y", task="classification", champion=champion,
                             champion_meta=meta, thresholds={"roc_auc": 0.5}, bootstrap_rounds=50)
    assert decision.comparison is not None and decision.judged, decision.reason
    assert decision.champion_metrics["roc_auc"] == pytest.approx(
        evaluate.M.compute("classification", holdout.y.to_numpy(),
                           champion.predict_proba(holdout[["x1"]].assign(note=np.nan)), [0, 1])["roc_auc"])


def test_a_numeric_feature_with_values_is_still_read_as_numbers(tmp_path):
    # only the empty one: text in 'x1' (which the model learnt) is still refused, naming it
    model, meta = _old_model(True)
    scorer = scoring.load_scorer(_Registry(model, meta), "m")
    assert scorer.numeric == ["x1"]
    pd.DataFrame({"id": [1], "x1": ["high"], "note": ["a"]}).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(scoring.DataSourceError, match="'x1'"):
        scoring.score(scorer, str(tmp_path / "in.parquet"), str(tmp_path / "out"), run_id="r1", id_column="id")
    assert not (tmp_path / "out").exists()
