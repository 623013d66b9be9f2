"""Rows sharing an event time (a daily date: dozens of rows a day) are replayed in one order
whatever order the source listed them (or its columns) in: the order ``prepare_data`` gives them
(a hash of each row's values after the time), so the same rows make the same report."""

import pytest

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.components.prepare.core import in_time_order, prepare
from ctloop.config import GateConfig, TrainingConfig
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data


@pytest.fixture(scope="module")
def weekly():
    frame = make_credit_data(n_rows=600, seed=5)
    frame[CREDIT_TIME_COLUMN] = frame[CREDIT_TIME_COLUMN].dt.floor("7D")  # ~45 rows share each time
    return frame


def test_in_time_order_ignores_the_order_of_rows_and_of_columns(weekly):
    assert weekly[CREDIT_TIME_COLUMN].duplicated().mean() > 0.9  # the point: most rows share their time
    listed = in_time_order(weekly, CREDIT_TIME_COLUMN)
    other = in_time_order(weekly.sample(frac=1.0, random_state=3)[weekly.columns[::-1]], CREDIT_TIME_COLUMN)
    assert other[listed.columns].equals(listed)
    assert listed[CREDIT_TIME_COLUMN].is_monotonic_increasing


def test_a_replay_of_shuffled_rows_makes_the_same_report(weekly):
    # before, rows sharing a time kept the table's order: hist_gradient_boosting's early-stopping split,
    # drawn by position, trained another model on the same rows (another mean ROC AUC)
    cfg = BacktestConfig(target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window="60D", policy="always",
                         train_window="60D", holdout_fraction=0.3,
                         training=TrainingConfig(estimator="hist_gradient_boosting"),
                         gate=GateConfig(thresholds={"roc_auc": 0.5}, bootstrap_rounds=5))

    def summary(report):
        return [(w.index, w.rows, w.metric, w.retrained, w.promoted) for w in report.windows]

    assert summary(run_backtest(weekly.sample(frac=1.0, random_state=3), cfg)) == summary(run_backtest(weekly, cfg))


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
        run_backtest(weekly.assign(tags=[["a", "b"]] * len(weekly)), BacktestConfig(
            target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window="30D", policy="always"))
