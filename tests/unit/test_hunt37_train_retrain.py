"""Hunt 37 (training surface): a recovery's candidate start whose rows alone hold a leak (a feature
equal to the label in all of them) fails the run, as before 882c9f2: the whole window holds those
rows too, and the gate's holdout the same leak (the module doc of ctloop.retrain)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.config import GateConfig, TrainingConfig
from ctloop.errors import DataValidationError
from ctloop.retrain import choose_start


def test_a_leak_only_in_the_rows_since_the_start_fails_the_run():
    # since the change a 'flag' column equals the label in every row (320 rows, both classes 25+):
    # train.fit refuses it as a leak on those rows, not on the whole window. 882c9f2 kept the usual
    # model then: trained on the leaked rows and gated on a holdout with the same leak (AUC ~1 there,
    # ~0.8 once the served flag is not the label).
    rng = np.random.default_rng(0)
    n = 1200
    times = pd.date_range("2026-01-01", periods=n, freq="h", tz="UTC")
    frame = pd.DataFrame({"ts": times, "x1": rng.normal(size=n)})
    frame["y"] = (frame.x1 + rng.normal(size=n) > 0).astype(int)
    frame["flag"] = np.where(np.arange(n) >= 800, frame.y, rng.integers(0, 2, n))
    train, holdout = frame.iloc[:1000], frame.iloc[1000:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataValidationError) as caught:
            choose_start(train, holdout, TrainingConfig(estimator="logistic_regression"),
                         GateConfig(thresholds={"roc_auc": 0.5}, bootstrap_rounds=50), target="y", time_column="ts",
                         since=times[800], holdout_fraction=0.2)
    assert [(col, rule) for col, rule, _, _ in caught.value.violations] == [("flag", "target_copy")]
