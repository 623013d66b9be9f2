"""A gate threshold on a metric the holdout leaves undefined: ROC AUC on a holdout of one class
(shuttle telemetry with one anomaly in 400 rows: the gate's newest 20 % of a training window held
none) was written ``roc_auc nan >= 0.5 FAILED``, a value the holdout never had. It says why now,
as the champion comparison beside it does."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train import core as train


def _telemetry(n: int, seed: int = 47) -> pd.DataFrame:
    """Nine integer sensor readings; ``anomaly`` True on ~2 % of the rows (sensor f1 far off)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"f{i}": rng.integers(-20, 120, n) for i in range(1, 10)})
    frame["anomaly"] = (frame["f1"] > 115) | (rng.random(n) < 0.005)
    return frame


def test_a_threshold_on_an_undefined_roc_auc_says_undefined_not_nan():
    frame = _telemetry(1_000)
    holdout = frame[~frame["anomaly"]].iloc[-150:]  # the newest rows: no anomaly among them
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = train.fit(frame.iloc[:800], target="anomaly", estimator="logistic_regression").model
    decision = evaluate.gate(model, holdout, target="anomaly", task="classification",
                             thresholds={"roc_auc": 0.5}, bootstrap_rounds=20)
    assert not decision.approved
    assert "nan" not in decision.reason
    assert "roc_auc >= 0.5 FAILED: undefined on this holdout (150 rows, 1 class(es))" in decision.reason
    check = next(c for c in decision.checks if c["check"] == "threshold")
    assert check["passed"] is False


def test_a_defined_threshold_reads_as_before():
    frame = _telemetry(1_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = train.fit(frame.iloc[:700], target="anomaly", estimator="logistic_regression").model
    decision = evaluate.gate(model, frame.iloc[700:], target="anomaly", task="classification",
                             thresholds={"roc_auc": 0.5}, bootstrap_rounds=20)
    value = decision.checks[0]["value"]
    assert f"roc_auc {value:.4f} >= 0.5 " in decision.reason
