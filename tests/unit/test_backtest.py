import dataclasses
import json

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from ctloop.backtest import BacktestConfig, run_backtest, write_report
from ctloop.cli import main
from ctloop.config import GateConfig, TrainingConfig
from ctloop.errors import ConfigError
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, SHOCK_PERIOD, make_credit_data


@pytest.fixture(scope="module")
def credit():
    return make_credit_data(n_rows=14000, seed=2)


def cfg(policy, **kw):
    return BacktestConfig(target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window="30D", policy=policy,
                          train_window="60D", training=TrainingConfig(estimator="logistic_regression"),
                          gate=GateConfig(thresholds={"roc_auc": 0.7}, bootstrap_rounds=100), **kw)


@pytest.fixture(scope="module")
def short(credit):
    """The first four 30-day windows of ``credit`` (two of training, two replayed): for the tests of
    what each fit is given, where the number of windows is not the point."""
    start = credit[CREDIT_TIME_COLUMN].min()
    return credit[credit[CREDIT_TIME_COLUMN] < start + pd.Timedelta("120D")].reset_index(drop=True)


@pytest.fixture(scope="module")
def reports(credit):
    return {p: run_backtest(credit, cfg(p)) for p in ("never", "always", "drift")}


def test_prequential_windows_and_totals(reports):
    never = reports["never"]
    scored = [w for w in never.windows if w.metric is not None]
    # --train-window 60D = two 30D windows: windows 0-1 train the first model, 2..11 are scored
    assert never.train_windows == 2 and [w.rule for w in never.windows[:2]] == ["history", "initial"]
    assert len(never.windows) == 12 and len(scored) == 10
    assert never.retrains == 0 and never.promotions == 0
    expected = sum(w.metric * w.rows for w in scored) / sum(w.rows for w in scored)
    assert never.mean_metric == pytest.approx(expected)


def test_always_retrains_every_window(reports):
    assert reports["always"].retrains == 10


def test_drift_policy_retrains_after_the_shock_only(reports):
    drift = reports["drift"]
    retrained = [w.index for w in drift.windows if w.retrained and w.rule != "initial"]
    assert retrained and min(retrained) == SHOCK_PERIOD
    assert drift.windows[SHOCK_PERIOD].drifted and not any(w.drifted for w in drift.windows[1:SHOCK_PERIOD])
    # retraining after the shock pays off against never retraining
    assert drift.mean_metric > reports["never"].mean_metric
    assert drift.retrains < reports["always"].retrains


def test_a_scheduled_policy_retrains_every_n_windows_whatever_the_data_say(credit, reports):
    """``every:N`` is the cron baseline a platform engineer compares a trigger with: a retrain every
    N windows counted from the initial model, drift or not."""
    every3 = run_backtest(credit, cfg("every:3"))
    retrained = [w.index for w in every3.windows if w.retrained and w.rule != "initial"]
    assert retrained == [4, 7, 10] and every3.retrains == 3
    assert {w.rule for w in every3.windows if w.index in retrained} == {"schedule"}
    assert "a retrain every 3 window(s), 1 since the last one" in every3.windows[5].reason
    assert every3.mean_metric > reports["never"].mean_metric


@pytest.mark.parametrize("name", ["every:0", "every:", "every:two", "every:-1", "sometimes"])
def test_a_policy_that_is_neither_named_nor_every_n_is_refused_naming_the_flag(credit, name):
    with pytest.raises(ConfigError, match=rf"--policy '{name}' is not one of never, always, drift, default or every:N"):
        run_backtest(credit, cfg(name))


def test_report_files(tmp_path, reports):
    js, png = write_report(reports["drift"], tmp_path)
    data = json.loads(js.read_text())
    assert {"mean_metric", "retrains", "windows", "config"} <= set(data)
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"


def test_bad_policy_and_window(credit):
    with pytest.raises(ConfigError, match="--policy"):
        run_backtest(credit, cfg("sometimes"))
    with pytest.raises(ConfigError, match="--window 'monthly' not understood"):
        run_backtest(credit, BacktestConfig(target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window="monthly"))


def test_cli_backtest(tmp_path, credit, capsys):
    data = tmp_path / "credit.csv"
    credit.head(6000).to_csv(data, index=False)
    code = main(["backtest", "--data", str(data), "--target", CREDIT_TARGET, "--time-column", CREDIT_TIME_COLUMN,
                 "--window", "1000h", "--policy", "never", "--estimator", "logistic_regression",
                 "--output", str(tmp_path / "out")])
    assert code == 0
    out = capsys.readouterr().out
    assert "mean_metric" in out and "retrains = 0" in out
    assert (tmp_path / "out" / "backtest.png").exists()
    assert json.loads((tmp_path / "out" / "backtest.json").read_text())["config"]["window"] == "1000h"


def flipped(days: int = 11, flip: int = 7, rows: int = 400, seed: int = 0):
    """Two features; the label is ``x1 > 0`` before day ``flip`` and ``x1 < 0`` from then on."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = days * rows
    x = rng.normal(size=(n, 2))
    day = np.repeat(np.arange(days), rows)
    ts = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(day * 86400 + rng.uniform(0, 86000, n), unit="s")
    noisy = rng.random(n) < 0.05
    y = ((x[:, 0] > 0) ^ (day >= flip) ^ noisy).astype(int)
    return pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "ts": ts, "y": y})


def test_the_retrain_of_an_abrupt_loss_keeps_the_data_since_the_change():
    """The loss at the flip: the challenger on the flip's own day is confidently better than the
    one on the whole training window on the newest rows since, so the next day is served by the
    new concept. The choice is ``ctloop.retrain.choose_start`` — the one ``train_model`` makes —
    on the training part and the gate's holdout (the newest rows, where the flip day is): the
    flip day's 400 rows split 320 to train and 80 to check, and the kept model is gated on those
    80, as ``evaluate_model`` gates it (``retrain.gate_rows``)."""
    cfg = BacktestConfig(target="y", time_column="ts", window="1D", policy="default", train_window="4D",
                         training=TrainingConfig(estimator="logistic_regression"),
                         gate=GateConfig(thresholds={"roc_auc": 0.5}, bootstrap_rounds=100))
    report = run_backtest(flipped(), cfg)
    loss = report.windows[7]
    assert loss.rule == "below_chance" and loss.promoted, loss.reason  # the flip: ROC AUC 0.05
    assert "trained on the 320 rows since the change, gated on the newest 80 (since 2026-01-08T00:00:00+00:00 vs " \
        "the whole window" in loss.reason, loss.reason
    assert report.windows[8].metric > 0.9, [w.metric for w in report.windows]


class SeesWeights(LogisticRegression):
    """A logistic regression that notes the sample weights each fit gets (class attribute ``seen``)."""

    seen: list = []

    def fit(self, X, y, sample_weight=None):
        SeesWeights.seen.append(None if sample_weight is None else (float(min(sample_weight)), float(max(sample_weight))))
        return super().fit(X, y, sample_weight=sample_weight)


def test_the_backtest_weighs_training_rows_by_recency_as_prepare_data_does(short):
    """``data.recency_half_life`` weighs production's training rows (``prepare_data``): the backtest
    of a model with it replayed its training without them (was: the setting was not read)."""
    training = TrainingConfig(estimator="tests.unit.test_backtest:SeesWeights",
                              trusted_types=["tests.unit.test_backtest.SeesWeights"])
    SeesWeights.seen = []
    run_backtest(short, dataclasses.replace(cfg("always"), training=training, recency_half_life="30D"))
    assert SeesWeights.seen and all(w is not None for w in SeesWeights.seen)
    low, high = SeesWeights.seen[0]
    assert high <= 1.0 and 0.1 < low < 0.5  # 60 days of training rows, half-life 30 days, age from the newest row
    SeesWeights.seen = []
    run_backtest(short, dataclasses.replace(cfg("always"), training=training))
    assert SeesWeights.seen and all(w is None for w in SeesWeights.seen)
    with pytest.raises(ConfigError, match="--recency-half-life 'soon' not understood"):
        run_backtest(short, dataclasses.replace(cfg("never"), recency_half_life="soon"))


class SeesThreads(LogisticRegression):
    """A logistic regression that notes the OpenMP threads each fit may use (class attribute ``seen``)."""

    seen: list = []

    def fit(self, X, y, sample_weight=None):
        from threadpoolctl import threadpool_info

        SeesThreads.seen.append(max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "openmp"),
                                    default=None))
        return super().fit(X, y, sample_weight=sample_weight)


def test_the_replays_small_fits_run_on_one_openmp_thread_unless_omp_num_threads_says_otherwise(short, monkeypatch):
    """HistGradientBoosting's OpenMP threads cost more than they save on the backtest's fits (a few
    thousand rows each, hundreds of them): scikit-learn issue #30662 ("15x slowdown on small data
    problems compared to disabled OpenMP threading", open for scikit-learn 1.9.1), and the spinning
    threads of a busy machine make it worse (benchmarks/bench_backtest_scale.py). A user's
    ``OMP_NUM_THREADS`` is left as set."""
    import sklearn.ensemble  # noqa: F401  (loads scikit-learn's OpenMP runtime, as the default estimator does)
    from threadpoolctl import threadpool_info, threadpool_limits

    def threads() -> int:
        return max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "openmp")

    training = TrainingConfig(estimator="tests.unit.test_backtest:SeesThreads",
                              trusted_types=["tests.unit.test_backtest.SeesThreads"])
    with threadpool_limits(limits=3, user_api="openmp"):  # what the machine offers, whatever it is here
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
        SeesThreads.seen = []
        run_backtest(short, dataclasses.replace(cfg("always"), training=training))
        assert SeesThreads.seen and set(SeesThreads.seen) == {1}
        assert threads() == 3  # restored
        monkeypatch.setenv("OMP_NUM_THREADS", "3")
        SeesThreads.seen = []
        run_backtest(short, dataclasses.replace(cfg("always"), training=training))
        assert set(SeesThreads.seen) == {3}
