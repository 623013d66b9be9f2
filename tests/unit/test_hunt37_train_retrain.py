"""Hunt 37 (training surface): a recovery's candidate start whose rows alone break a data rule
leaves the usual model (the module doc of ctloop.retrain: a fit that fails, the usual model decides)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ctloop.config import GateConfig, TrainingConfig
from ctloop.retrain import choose_start


def test_a_leak_only_in_the_rows_since_the_start_leaves_the_usual_model():
    # since the change a 'flag' column equals the label in every row (320 rows, both classes 25+):
    # train.fit refuses it as a leak on those rows, not on the whole window. Was: that
    # DataValidationError ended the training run, though the usual model trains on the window.
    rng = np.random.default_rng(0)
    n = 1200
    times = pd.date_range("2026-01-01", periods=n, freq="h", tz="UTC")
    frame = pd.DataFrame({"ts": times, "x1": rng.normal(size=n)})
    frame["y"] = (frame.x1 + rng.normal(size=n) > 0).astype(int)
    frame["flag"] = np.where(np.arange(n) >= 800, frame.y, rng.integers(0, 2, n))
    train, holdout = frame.iloc[:1000], frame.iloc[1000:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result, fitted, check, choice = choose_start(
            train, holdout, TrainingConfig(estimator="logistic_regression"),
            GateConfig(thresholds={"roc_auc": 0.5}, bootstrap_rounds=50), target="y", time_column="ts",
            since=times[800], holdout_fraction=0.2)
    assert not choice.kept and fitted is train and check is None and result.meta["train_rows"] == len(train)
    assert choice.note.startswith(f"kept the whole training window: candidate start {choice.candidate} not tried "
                                  "(DataValidationError: data contract violated (1 rule(s)): column 'flag' breaks "
                                  "rule 'target_copy'")
