"""``ctloop.retrain.choose_start``: the one choice of a retrain's start that ``train_model``
(``training.candidate_since``) and the backtest (policy record ``try_since``) make."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from ctloop.config import GateConfig, TrainingConfig
from ctloop.errors import DataValidationError
from ctloop.retrain import choose_start, gate_rows, min_rows

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


def split(frame: pd.DataFrame, holdout_fraction: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The window as ``prepare_data`` splits it: the training part, and the newest rows as the gate's holdout."""
    frame = frame.sort_values("ts", kind="stable").reset_index(drop=True)
    cut = int(len(frame) * (1 - holdout_fraction))
    return frame.iloc[:cut], frame.iloc[cut:]


def choose(frame: pd.DataFrame, since: str = SWITCH, training: TrainingConfig = TRAINING, **kw):
    train, holdout = split(frame)
    return (train, holdout, *choose_start(train, holdout, training, GATE, target="y", time_column="ts", since=since,
                                          holdout_fraction=0.2, **kw))


def test_an_abrupt_switch_keeps_the_rows_since_the_start_and_is_gated_on_the_newest_of_them():
    frame = stream(flip=True)
    since = int((frame["ts"] >= pd.Timestamp(SWITCH)).sum())
    train, holdout, result, rows, check, choice = choose(frame)
    assert choice.kept and choice.start == "2026-02-10T00:00:00+00:00", choice.note
    part = int(since * 0.8)
    assert choice.ci_low > 0 and choice.rows == since and choice.check_rows == since - part == len(check)
    # the candidate as compared: fitted on the older rows since the start, never on the check
    assert result.meta["train_rows"] == len(rows) == part and rows["ts"].max() <= check["ts"].min()
    assert choice.note.startswith(f"trained on the {part} rows since the change, gated on the newest "
                                  f"{len(check)} (since 2026-02-10T00:00:00+00:00 vs the whole window on the newest "
                                  f"{len(check)} rows since: roc_auc delta +")
    new = frame[frame["ts"] >= pd.Timestamp(SWITCH)]
    assert (result.model.predict(new[["x1", "x2"]]) == new["y"]).mean() > 0.8
    # evaluate_model finds the same rows in its holdout from the model meta
    meta = {"time_column": "ts", "training_start": choice.to_meta()}
    assert gate_rows(holdout, meta).equals(check)
    assert gate_rows(holdout, {"time_column": "ts", "training_start": None}) is holdout


def test_a_recent_switch_whose_rows_are_all_in_the_gates_holdout_is_tried():
    """A loss in the newest monitoring window: every row since it is in the holdout ``prepare_data``
    cut off (the newest fifth of the window). Chosen inside the training part only, the start was
    never tried ("no rows since it") — in production, where a day's window sits in a 90-day one,
    never at all."""
    recent = "2026-02-20T00:00:00Z"  # day 50 of 60: after the holdout's first row
    frame = stream(flip=True, n=3000)
    frame["y"] = np.where(frame["ts"] >= pd.Timestamp(recent), 1 - frame["y"], frame["y"])
    train, holdout, result, rows, check, choice = choose(frame, since=recent)
    assert train["ts"].max() < pd.Timestamp(recent) and choice.rows == int((frame["ts"] >= pd.Timestamp(recent)).sum())
    assert choice.kept and check is not None and len(check) == choice.check_rows, choice.note
    assert gate_rows(holdout, {"time_column": "ts", "training_start": choice.to_meta()}).equals(check)


def test_a_stable_stream_keeps_the_whole_window():
    frame = stream(flip=False)
    train, _, result, rows, check, choice = choose(frame)
    assert not choice.kept and choice.start == "" and choice.ci_low is not None and choice.ci_low <= 0, choice.note
    assert result.meta["train_rows"] == len(train) and rows is train and check is None
    assert choice.note.startswith("kept the whole training window (since 2026-02-10T00:00:00+00:00 vs the whole")


def test_too_few_rows_or_one_class_since_the_start_is_not_tried():
    frame = stream(flip=True, n=200)
    train, _, result, _, check, choice = choose(frame)
    assert not choice.kept and choice.delta is None and result.meta["train_rows"] == len(train) and check is None
    assert choice.note.endswith(f"not tried ({int(choice.rows * 0.8)} rows since it to train on (< 100))")
    assert min_rows("classification", 5) == 125 and min_rows("regression", 0) == 100
    frame = stream(flip=True)
    frame.loc[frame["ts"] >= pd.Timestamp(SWITCH), "y"] = 1
    assert "not tried (a single class 1 since it)" in choose(frame)[-1].note


def test_the_time_column_is_required():
    train, holdout = split(stream(flip=True))
    with pytest.raises(DataValidationError, match="ts"):
        choose_start(train.drop(columns=["ts"]), holdout, TRAINING, GATE, target="y", time_column="ts", since=SWITCH,
                     holdout_fraction=0.2)


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
    train, _, result, rows, check, choice = choose(stream(flip=True), training=training)
    assert not choice.kept and rows is train and result.meta["train_rows"] == len(train) and check is None
    assert "not tried (TrainingError: fitting tests.unit.test_retrain:NeedsManyRows failed:" in choice.note


def test_recency_weights_reach_the_rows_since_the_start_in_the_holdout():
    """``prepare_data`` with ``data.recency_half_life`` writes ``_ctloop_weight`` to the training part
    only. The rows since the start taken from the holdout had no weight (NaN): every fit on them
    failed ("Input sample_weight contains NaN") and the start was never tried in production. They
    get ``prepare_data``'s own weights, ``0.5 ** (age / half-life)``."""
    from ctloop.columns import WEIGHT
    from ctloop.components.prepare.core import prepare

    frame = stream(flip=True)
    frame["ts"] = frame["ts"].dt.tz_convert(None)
    weighted = prepare(frame, target="y", time_column="ts", window=None, holdout_fraction=0.2,
                       recency_half_life="30D")
    plain = prepare(frame, target="y", time_column="ts", window=None, holdout_fraction=0.2)
    assert WEIGHT in weighted.train.columns and WEIGHT not in weighted.holdout.columns
    result, rows, check, choice = choose_start(weighted.train, weighted.holdout, TRAINING, GATE, target="y",
                                               time_column="ts", since=SWITCH, holdout_fraction=0.2)
    assert choice.kept and choice.ci_low > 0 and result.meta["weighted"], choice.note
    assert rows[WEIGHT].notna().all() and len(rows) == choice.rows - choice.check_rows
    # prepare_data's weights relative to the fitted rows' own newest row, which weighs 1 (review revH1 1)
    newest = rows["ts"].max()
    expected = np.power(0.5, ((newest - rows["ts"]) / pd.Timedelta("30D")).to_numpy(dtype=float))
    np.testing.assert_allclose(rows[WEIGHT].to_numpy(), expected, rtol=1e-9)
    gated = gate_rows(plain.holdout, {"time_column": "ts", "training_start": choice.to_meta()})
    assert gated.reset_index(drop=True).equals(check[list(plain.holdout.columns)].reset_index(drop=True))
