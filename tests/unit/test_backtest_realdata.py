"""Real data must never crash the backtest (issue 14). Each case is a small reproduction of a
crash (or silent failure) seen when replaying the streams of benchmarks/streams.py through the
phase-1 ``run_backtest`` (each was a strict xfail naming the crash; phase 2 fixed them, train core
the class seen once).
"""

import math

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BACKTEST_THRESHOLDS, BacktestConfig, run_backtest
from ctloop.components.evaluate import core as eval_core
from ctloop.components.train import core as train_core
from ctloop.config import GateConfig, TrainingConfig
from ctloop.errors import TrainingError


def stream(n_windows: int, rows: int, classes_of, *, days: float = 1, seed: int = 0) -> pd.DataFrame:
    """``n_windows`` windows of ``rows`` rows; window ``w`` draws its labels from
    ``classes_of(w)``; feature ``a`` separates the classes, ``b`` and ``c`` are noise."""
    rng = np.random.default_rng(seed)
    parts = []
    for w in range(n_windows):
        y = rng.choice(np.asarray(classes_of(w), dtype=object), rows)
        code = np.array([sorted(map(str, classes_of(0) + classes_of(n_windows - 1))).index(str(v)) for v in y])
        ts = pd.Timestamp("2024-01-01") + pd.to_timedelta((w + np.sort(rng.random(rows))) * days, unit="D")
        parts.append(pd.DataFrame({"ts": ts, "a": code + rng.normal(0, 0.7, rows),
                                   "b": rng.normal(size=rows), "c": rng.normal(size=rows), "y": list(y)}))
    return pd.concat(parts, ignore_index=True)


def config(**kw) -> BacktestConfig:
    base = dict(target="y", time_column="ts", window="1D", train_window="1D",
                training=TrainingConfig(estimator="logistic_regression", seed=0),
                gate=GateConfig.from_dict({"bootstrap_rounds": 50, "seed": 0,
                                           "thresholds": BACKTEST_THRESHOLDS["classification"]}))
    return BacktestConfig(**{**base, **kw})


@pytest.mark.parametrize("policy", ["never", "always"])
def test_class_unseen_by_the_champion_is_scored_not_fatal(policy):
    frame = stream(4, 200, lambda w: [0, 1, 2] if w < 2 else [0, 1, 2, 3])
    report = run_backtest(frame, config(policy=policy))
    scored = [w for w in report.windows if w.metric is not None]
    assert len(scored) == 3 and all(math.isfinite(w.metric) for w in scored)


def test_yearly_windows_train_on_a_window_derived_from_the_replay_window():
    frame = stream(3, 300, lambda w: [0, 1], days=365)
    frame = frame[frame["ts"] < "2026-06-01"]  # the last window has no rows in its final 90 days
    report = run_backtest(frame, config(policy="always", window="365D", train_window=""))
    # 300 rows a year: the derived training window would span two years (at most len - 1 windows) and score
    # one; it is cut to one year, which leaves two to score (stop 56: ADVISED_SCORED_WINDOWS where the data allow)
    assert report.train_windows == 1 and report.retrains == 2 and report.mean_metric is not None
    assert len([w for w in report.windows if w.metric is not None]) == 2


def test_window_with_a_single_class_is_skipped_with_a_reason():
    frame = stream(4, 200, lambda w: [0, 1] if w != 2 else [1])
    report = run_backtest(frame, config(policy="never"))
    assert report.mean_metric is not None and math.isfinite(report.mean_metric)
    skipped = report.windows[2]
    assert skipped.metric is None and "class" in skipped.reason


def test_training_window_with_a_single_class_skips_the_retrain():
    frame = stream(4, 200, lambda w: [0, 1] if w != 2 else [1])
    report = run_backtest(frame, config(policy="always", train_window="1D"))
    assert len(report.windows) == 4
    assert "class" in report.windows[2].reason and not report.windows[2].promoted


def test_first_window_with_a_single_class_defers_the_initial_model():
    frame = stream(4, 200, lambda w: [1] if w == 0 else [0, 1])
    report = run_backtest(frame, config(policy="never"))
    assert report.mean_metric is not None and math.isfinite(report.mean_metric)


def test_challenger_missing_a_class_is_compared_over_the_union_of_classes():
    frame = stream(5, 200, lambda w: [0, 1, 2] if w % 2 == 0 else [0, 1])
    report = run_backtest(frame, config(policy="always", train_window="1D"))
    assert report.retrains == 4


def test_gate_scores_multiclass_auc_over_the_classes_present():
    train = stream(2, 300, lambda w: ["a", "b", "c"], seed=1)
    holdout = stream(1, 200, lambda w: ["a", "b"], seed=2)  # 'c' is rare: absent this window
    model = train_core.fit(train.drop(columns=["ts"]), target="y", estimator="logistic_regression").model
    decision = eval_core.gate(model, holdout.drop(columns=["ts"]), target="y", task="classification",
                              thresholds={"roc_auc": 0.7}, bootstrap_rounds=50)
    assert math.isfinite(decision.challenger_metrics["roc_auc"]) and decision.approved


def test_text_labels_replay():
    """Text labels (binary and multiclass) already work: kept as a guard for phase 2."""
    for classes in (["no", "yes"], ["fog", "rain", "sun"]):
        report = run_backtest(stream(4, 200, lambda w, c=classes: c), config(policy="always"))
        assert report.retrains == 3 and math.isfinite(report.mean_metric)


def test_class_seen_once_in_the_training_window_does_not_stop_training():
    frame = stream(3, 150, lambda w: ["fog", "rain", "sun"])
    frame.loc[frame.index[frame["y"] == "fog"][1:], "y"] = "sun"  # 'fog' occurs once
    result = train_core.fit(frame.drop(columns=["ts"]), target="y")  # default estimator
    assert "fog" in result.meta["classes"]


def test_backtest_skips_a_retrain_the_estimator_cannot_fit(monkeypatch):
    """An estimator that fails on a training window (TrainingError from train core, e.g. what a
    class seen once did to early stopping before train core handled it): the retrain is skipped
    with the estimator's reason and the replay goes on."""
    real = train_core.run
    calls = []

    def failing_on_the_second_retrain(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # the initial model, the retrain of window 1, then this one
            raise TrainingError("fitting hist_gradient_boosting failed: The least populated classes in y have "
                                "only 1 member")
        return real(*args, **kwargs)

    monkeypatch.setattr(train_core, "run", failing_on_the_second_retrain)
    report = run_backtest(stream(4, 150, lambda w: ["fog", "rain", "sun"]), config(policy="always"))
    skipped = report.windows[2]
    assert not skipped.retrained and "retrain skipped: TrainingError: fitting" in skipped.reason, skipped.reason
    assert len(report.windows) == 4 and report.windows[3].retrained and report.retrains == 2


def test_window_without_rows_is_skipped_with_a_reason():
    frame = stream(5, 200, lambda w: [0, 1])
    frame = frame[(frame["ts"] < "2024-01-03") | (frame["ts"] >= "2024-01-04")]
    report = run_backtest(frame, config(policy="always"))
    empty = report.windows[2]
    assert empty.rows == 0 and empty.metric is None and "no rows" in empty.reason
    assert math.isfinite(report.mean_metric) and report.skipped == 1


def test_boolean_labels_with_gaps_read_from_csv_replay(tmp_path):
    """A CSV target of True/False with empty cells reads as an object column of Python bools and
    NaN; after the unlabelled rows are dropped scikit-learn still saw dtype object ("Unknown label
    type: unknown") and no window could train. Labels are given their own dtype once the gaps go."""
    frame = stream(4, 200, lambda w: [False, True]).astype({"y": object})
    frame.loc[frame.sample(30, random_state=0).index, "y"] = None
    path = tmp_path / "bool.csv"
    frame.to_csv(path, index=False)
    loaded = pd.read_csv(path)
    assert loaded["y"].dtype == object
    report = run_backtest(loaded, config(policy="always"))
    assert report.retrains >= 1 and report.mean_metric is not None and math.isfinite(report.mean_metric)
    fitted = train_core.fit(loaded.drop(columns=["ts"]), target="y", estimator="logistic_regression")
    assert fitted.meta["classes"] == [False, True]
