"""``ctloop.retrain.choose_start``: the one choice of a retrain's start that ``train_model``
(``training.candidate_since``) and the backtest (policy record ``try_since``) make."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from ctloop.config import GateConfig, TrainingConfig
from ctloop.errors import DataValidationError
from ctloop.retrain import choose_start, min_rows

TRAINING = TrainingConfig(estimator="logistic_regression")
GATE = GateConfig(bootstrap_rounds=200)
SWITCH = "2026-02-10T00:00:00Z"


def stream(flip: bool, n: int = 1200, seed: int = 0) -> pd.DataFrame:
    """60 days of two features; with ``flip`` the label's dependence on ``x1`` reverses at SWITCH."""
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(rng.uniform(0, 60, n), unit="D")  # unsorted
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    after = (ts >= pd.Timestamp(SWITCH)) & flip
    y = (np.where(after, -x1, x1) + 0.5 * x2 + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return pd.DataFrame({"ts": ts, "x1": x1, "x2": x2, "y": y})


def choose(frame: pd.DataFrame, **kw):
    return choose_start(frame, TRAINING, GATE, target="y", time_column="ts", since=SWITCH, holdout_fraction=0.2, **kw)


def test_an_abrupt_switch_keeps_the_rows_since_the_start():
    frame = stream(flip=True)
    since = int((frame["ts"] >= pd.Timestamp(SWITCH)).sum())
    result, rows, choice = choose(frame)
    assert choice.kept and choice.start == "2026-02-10T00:00:00+00:00", choice.note
    assert choice.ci_low > 0 and choice.rows == since and choice.check_rows == since - int(since * 0.8)
    # the candidate refitted on ALL rows since the start, oldest first
    assert result.meta["train_rows"] == len(rows) == since and rows["ts"].is_monotonic_increasing
    assert choice.note.startswith(f"trained on the {since} rows since the change (since 2026-02-10T00:00:00+00:00 "
                                  f"vs the whole window on the newest {choice.check_rows} rows since: roc_auc delta +")
    new = frame[frame["ts"] >= pd.Timestamp(SWITCH)]
    assert (result.model.predict(new[["x1", "x2"]]) == new["y"]).mean() > 0.8


def test_a_stable_stream_keeps_the_whole_window():
    frame = stream(flip=False)
    result, rows, choice = choose(frame)
    assert not choice.kept and choice.start == "" and choice.ci_low is not None and choice.ci_low <= 0, choice.note
    assert result.meta["train_rows"] == len(frame) and rows is frame
    assert choice.note.startswith("kept the whole training window (since 2026-02-10T00:00:00+00:00 vs the whole")


def test_too_few_rows_or_one_class_since_the_start_is_not_tried():
    frame = stream(flip=True, n=200)
    result, _, choice = choose(frame)
    assert not choice.kept and choice.delta is None and result.meta["train_rows"] == 200
    assert choice.note.endswith(f"not tried ({int(choice.rows * 0.8)} rows since it to train on (< 100))")
    assert min_rows("classification", 5) == 125 and min_rows("regression", 0) == 100
    frame = stream(flip=True)
    frame.loc[frame["ts"] >= pd.Timestamp(SWITCH), "y"] = 1
    assert "not tried (a single class 1 since it)" in choose(frame)[2].note


def test_the_time_column_is_required():
    with pytest.raises(DataValidationError, match="ts"):
        choose(stream(flip=True).drop(columns=["ts"]))


class NeedsManyRows(LogisticRegression):
    """A logistic regression that refuses fewer than 500 rows (scikit-learn's ValueError)."""

    def fit(self, X, y, sample_weight=None):
        if len(X) < 500:
            raise ValueError(f"{len(X)} rows, needs 500")
        return super().fit(X, y, sample_weight=sample_weight)


def test_a_candidate_that_cannot_be_fitted_leaves_the_usual_model():
    """A failed comparison must not fail the training run: the usual model decides."""
    training = TrainingConfig(estimator="tests.unit.test_retrain:NeedsManyRows",
                              trusted_types=["tests.unit.test_retrain.NeedsManyRows"])
    frame = stream(flip=True)
    result, rows, choice = choose_start(frame, training, GATE, target="y", time_column="ts", since=SWITCH,
                                        holdout_fraction=0.2)
    assert not choice.kept and rows is frame and result.meta["train_rows"] == len(frame)
    assert "not tried (TrainingError: fitting tests.unit.test_retrain:NeedsManyRows failed:" in choice.note
