import json

import pytest

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
