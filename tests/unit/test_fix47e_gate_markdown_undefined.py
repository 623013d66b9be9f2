"""The gate's Markdown summary (the KFP Markdown artifact of evaluate_gate) showed a metric the
holdout cannot define (ROC AUC on a holdout of one class) as ``| roc_auc | nan |`` and its
threshold check as ``roc_auc nan >= 0.5 | FAIL``, under a reason that says "undefined on this
holdout"; the champion comparison as ``ΔROC AUC +nan, 95% CI [+nan, +nan]``. It reads
"undefined" there too now."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train import core as train


def _telemetry(n: int, seed: int = 47) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"f{i}": rng.integers(-20, 120, n) for i in range(1, 4)})
    frame["anomaly"] = (frame["f1"] > 110) | (rng.random(n) < 0.01)
    return frame


def test_an_undefined_metric_reads_undefined_in_the_markdown_summary():
    frame = _telemetry(600)
    holdout = frame[~frame["anomaly"]].iloc[-120:]  # no anomaly among them: ROC AUC undefined
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        challenger = train.fit(frame.iloc[:400], target="anomaly", estimator="logistic_regression").model
        champion = train.fit(frame.iloc[:300], target="anomaly", estimator="logistic_regression").model
        decision = evaluate.gate(challenger, holdout, target="anomaly", task="classification", champion=champion,
                                 thresholds={"roc_auc": 0.5, "accuracy": 0.5}, bootstrap_rounds=20)
    text = evaluate.render_markdown(decision)
    assert "nan" not in text, text
    assert "| roc_auc | undefined | undefined |" in text
    assert "| threshold | roc_auc >= 0.5: undefined on this holdout | FAIL |" in text
    assert "| vs_champion | overall: Δroc_auc undefined on this holdout, tolerance 0.01 | FAIL |" in text
    accuracy = decision.challenger_metrics["accuracy"]
    assert f"| threshold | accuracy {accuracy:.4f} >= 0.5 | pass |" in text  # a defined value as before
