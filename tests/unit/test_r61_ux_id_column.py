"""Stop 61 (docs/backtest-quality.md, "Stop 61: what the compare shows"): breast_cancer_constant's per-row
sample id ('FNA-04711') drifted in every window of the backtest (drift share 0.03, 1 of 33 columns); the fit
named it an ID once, the drift engine's warning spoke of "569 distinct values ... fewer than 5 per value", the
window line of nothing. One rule (:func:`ctloop.contract.id_like`) now names it in all three; the column still
counts in the drift share (as detect_drift and monitor_model count it): no verdict changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BACKTEST_THRESHOLDS, BacktestConfig, run_backtest
from ctloop.components.train import core as train_core
from ctloop.config import GateConfig, TrainingConfig
from ctloop.contract import ID_COLUMN_MIN_ROWS, ID_SAID, id_like
from ctloop.drift import engine


def breast_cancer_with_ids() -> pd.DataFrame:
    """scikit-learn's bundled Wisconsin table (569 rows) with a sample id per row, as the stop 61 stream
    (benchmarks/unseen_streams.py, breast_cancer_constant) writes it, one row every 6 hours."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame.rename(columns={"target": "y"})
    ids = np.random.default_rng(615).choice(np.arange(10_000, 99_999), size=len(frame), replace=False)
    frame.insert(0, "sample_id", [f"FNA-{i}" for i in ids])
    frame["ts"] = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.arange(len(frame)) * 6, unit="h")
    return frame


def with_ids(n: int = 180, minutes: int = 6 * 60) -> pd.DataFrame:
    """A small stream as breast_cancer_with_ids writes it (a sample id per row, one row every ``minutes``), of
    two synthetic features and a class the first one tells."""
    rng = np.random.default_rng(615)
    x = rng.normal(size=n)
    ids = rng.choice(np.arange(10_000, 99_999), size=n, replace=False)
    frame = pd.DataFrame({"sample_id": [f"FNA-{i}" for i in ids], "x": x, "z": rng.normal(size=n),
                          "y": (x + rng.normal(scale=0.5, size=n) > 0).astype(int)})  # fmt: skip
    frame["ts"] = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.arange(n) * minutes, unit="min")
    return frame


def test_one_rule_for_the_fit_and_the_drift_engine() -> None:
    assert id_like(ID_COLUMN_MIN_ROWS, ID_COLUMN_MIN_ROWS) and not id_like(99, 99) and not id_like(150, 151)
    frame = with_ids(ID_COLUMN_MIN_ROWS)
    assert train_core.id_columns(frame, ["sample_id"]) == ["sample_id"]
    assert train_core.id_columns(frame.iloc[1:], ["sample_id"]) == []  # one row fewer than the rule's minimum
    rc, cc = np.ones(300), np.ones(269)
    assert engine.id_column(np.r_[rc, np.zeros(269)], np.r_[np.zeros(300), cc])
    assert not engine.id_column(np.r_[rc, np.zeros(268)], np.r_[np.zeros(299), np.ones(269)])  # one value twice


def test_the_drift_engine_names_an_id_column_and_still_counts_it() -> None:
    frame = breast_cancer_with_ids().drop(columns=["ts", "y"])
    result = engine.detect(frame.iloc[:300], frame.iloc[300:], columns=list(frame.columns))
    (sample,) = [c for c in result.columns if c.column == "sample_id"]
    assert sample.drifted and sample.id_like
    assert sample.warning.startswith(f"column sample_id has {ID_SAID}: each of its values is new")
    assert not any(c.id_like for c in result.columns if c.column != "sample_id")
    others = engine.detect(frame.iloc[:300, 1:], frame.iloc[300:, 1:], columns=list(frame.columns[1:]))
    assert result.share == pytest.approx((others.share * 30 + 1) / 31)  # counted, as before
    assert "id_like" not in result.to_dict()["columns"][0]


def test_the_backtest_window_line_names_the_id_once() -> None:
    lines: list[str] = []
    cfg = BacktestConfig(target="y", time_column="ts", window="14D", train_window="14D", policy="drift", min_train_rows=40,
                         training=TrainingConfig(estimator="logistic_regression", seed=0),
                         gate=GateConfig.from_dict({"bootstrap_rounds": 50, "seed": 0,
                                                    "thresholds": BACKTEST_THRESHOLDS["classification"]}))
    report = run_backtest(with_ids(minutes=337), cfg, progress=lines.append)  # 3 windows of 60 rows
    named = [line for line in lines if f"counting 'sample_id', {ID_SAID}" in line]
    shared = [w for w in report.windows if w.drift_share is not None]
    assert len(shared) >= 2 and len(named) == 1, lines
    assert "drift share" in named[0]
