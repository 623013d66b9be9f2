"""``ctloop backtest --estimator xgboost|lightgbm`` works through the shared catalogue and train
core (no backtest change): retrains, gates and scores every window on small data."""

import json

import pytest

from ctloop.cli import main
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data


@pytest.mark.parametrize("estimator", ["xgboost", "lightgbm"])
def test_cli_backtest_with_a_boosted_estimator(tmp_path, capsys, estimator):
    data = tmp_path / "credit.parquet"
    make_credit_data(n_rows=6000, seed=2).to_parquet(data)
    code = main(["backtest", "--data", str(data), "--target", CREDIT_TARGET, "--time-column", CREDIT_TIME_COLUMN,
                 "--window", "1500h", "--policy", "always", "--estimator", estimator,
                 "--output", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0, out
    report = json.loads((tmp_path / "out" / "backtest.json").read_text())
    assert report["config"]["training"]["estimator"] == estimator
    windows = [w for w in report["windows"] if w.get("metric") is not None]
    assert len(windows) >= 2 and all(0.5 < w["metric"] <= 1 for w in windows)
    assert "retrains = " in out and "retrains = 0" not in out
