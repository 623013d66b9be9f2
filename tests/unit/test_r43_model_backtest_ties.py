"""Rows sharing an event time (a daily date: dozens of rows a day) are replayed in one order
whatever order the source listed them (or its columns) in: the order ``prepare_data`` gives them
(a hash of each row's values after the time), so the same rows make the same report."""

import pytest

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.components.prepare.core import prepare
from ctloop.config import GateConfig, TrainingConfig
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data


@pytest.fixture(scope="module")
def weekly():
    frame = make_credit_data(n_rows=2400, seed=5)
    frame[CREDIT_TIME_COLUMN] = frame[CREDIT_TIME_COLUMN].dt.floor("7D")  # ~45 rows share each time
    return frame


def _cfg():
    return BacktestConfig(target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window="30D", policy="always",
                          train_window="60D", holdout_fraction=0.3,
                          training=TrainingConfig(estimator="hist_gradient_boosting"),
                          gate=GateConfig(thresholds={"roc_auc": 0.5}, bootstrap_rounds=20))


def _summary(report):
    return [(w.index, w.rows, w.metric, w.retrained, w.promoted) for w in report.windows]


def test_rows_sharing_a_time_replay_the_same_whatever_the_source_order(weekly):
    assert weekly[CREDIT_TIME_COLUMN].duplicated().mean() > 0.9  # the point: most rows share their time
    listed = _summary(run_backtest(weekly, _cfg()))
    assert _summary(run_backtest(weekly.sample(frac=1.0, random_state=3)[weekly.columns[::-1]], _cfg())) == listed


def test_prepare_splits_rows_sharing_a_time_the_same_whatever_the_column_order(weekly):
    one = prepare(weekly, target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, holdout_fraction=0.33)
    other = prepare(weekly[weekly.columns[::-1]].iloc[::-1], target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN,
                    holdout_fraction=0.33)
    assert other.train[one.train.columns].equals(one.train)


def test_nested_values_are_still_refused_naming_the_column(weekly):
    # the tie order hashes every column: a list in a cell (unhashable) raised "TypeError: unhashable
    # type: 'list'" before the check that names the column could
    from ctloop.errors import DataValidationError

    with pytest.raises(DataValidationError, match=r"column 'tags' breaks rule 'dtype'.*nested values \(list"):
        run_backtest(weekly.assign(tags=[["a", "b"]] * len(weekly)), _cfg())
