"""A regression target the estimator learns nothing from (``ctloop.estimators.target_problem``) is
refused where training starts and before a backtest replays, naming the column (exit 2 on the CLI):
before, hist_gradient_boosting fitted a target ~1e39 with every row the same prediction and only a
note said so; the backtest retrained window after window on it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.components.train.core import fit
from ctloop.errors import DataValidationError


def _frame(scale: float, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    return pd.DataFrame({"ts": pd.date_range("2025-01-01", periods=n, freq="h"), "x": x,
                         "y": (x * 2 + rng.normal(size=n) * 0.3) * scale})


def test_the_train_core_refuses_a_target_hgb_cannot_learn_naming_the_column():
    with pytest.raises(DataValidationError, match=r"column 'y' breaks rule 'magnitude' .*hist_gradient_boosting "
                                                  r"keeps its gradients in float32"):
        fit(_frame(1e38).drop(columns="ts"), target="y", task="regression", estimator="hist_gradient_boosting")
    fit(_frame(1e38).drop(columns="ts"), target="y", task="regression", estimator="linear_regression")  # exact


def test_the_backtest_refuses_it_before_the_replay(tmp_path, capsys):
    path = tmp_path / "big.csv"
    _frame(1e38).to_csv(path, index=False)
    code = main(["backtest", "--data", str(path), "--target", "y", "--time-column", "ts", "--task", "regression",
                 "--window", "2D", "--thresholds", '{"r2": 0.1}', "--quiet",
                 "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "column 'y' breaks rule 'magnitude'" in err[0], err
