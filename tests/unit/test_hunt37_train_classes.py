"""Hunt 37 (training surface): a classification target of numbers with hundreds of distinct values
(an amount or an ID) is refused at once, naming the column, the class count and what to set."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.train import core as train
from ctloop.errors import ConfigError, DataSourceError, DataValidationError


def _frame(target, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"x1": rng.normal(size=n), "region": rng.choice(["n", "s"], size=n), "y": target})


@pytest.mark.parametrize("values", [np.arange(600) % 300 + 1000, (np.arange(600) % 250) * 1.5],
                         ids=["customer_id_int", "amount_float"])
def test_a_number_target_with_hundreds_of_values_is_refused_before_training(values):
    # an ID or an amount column set as the target of a classifier. Was: hist_gradient_boosting fitted
    # max_iter trees per class, 300 classes (minutes) before the gate scored 300 classes of 2 rows.
    with pytest.raises(DataValidationError) as info:
        train.fit(_frame(values), target="y")
    message = str(info.value)
    distinct = len(np.unique(values))
    assert message == (f"data contract violated (1 rule(s)): column 'y' breaks rule 'classes' in 600 row(s): "
                       f"{distinct} distinct numbers, each a class of a classifier (at most "
                       f"{train.MAX_NUMBER_CLASSES}, training.max_number_classes): an amount or an ID, not classes? "
                       "set training.task: regression; if they are classes, set training.max_number_classes: 0 "
                       f"(or {distinct} or more), or write them as labels that are no numbers (c101; a CSV reads a "
                       "quoted 101 as a number) or as a Parquet string column")


def test_number_classes_up_to_the_limit_and_text_classes_beyond_it_train():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        limit = train.MAX_NUMBER_CLASSES
        result = train.fit(_frame(np.arange(600) % limit), target="y", estimator="logistic_regression")
        assert len(result.meta["classes"]) == limit
        texts = pd.Series(np.arange(600) % (limit + 20)).map(lambda v: f"c{v}")
        result = train.fit(_frame(texts.to_numpy(dtype=object)), target="y", estimator="logistic_regression")
        assert len(result.meta["classes"]) == limit + 20
        # an object column of Python ints (a frame built by hand) is numbers too
        with pytest.raises(DataValidationError, match="120 distinct numbers"):
            train.fit(_frame(pd.Series([int(v) for v in np.arange(600) % 120], dtype=object)), target="y")


def test_the_regression_task_trains_the_same_column():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train.fit(_frame((np.arange(600) % 250) * 1.5), target="y", task="regression",
                           estimator="linear_regression")
    assert result.meta["task"] == "regression"


def test_labels_mixing_true_false_and_numbers_are_refused_naming_the_column():
    # an object column of True and 0 (a frame built by hand, two sources concatenated). Was:
    # "TrainingError: fitting hist_gradient_boosting failed: Unknown label type: unknown", no column.
    labels = np.array([True if i % 3 else 0 for i in range(600)], dtype=object)
    with pytest.raises(DataValidationError, match=r"^data contract violated \(1 rule\(s\)\): column 'y' breaks rule "
                                                  r"'labels' in 200 row\(s\): labels mix true/false and numbers "
                                                  r"\(e\.g\. True and 0\)"):
        train.fit(_frame(labels), target="y")
    with warnings.catch_warnings():  # true/false alone, or numbers alone, still train
        warnings.simplefilter("ignore")
        assert train.fit(_frame(labels.astype(bool)), target="y", estimator="logistic_regression").meta["classes"] \
            == [False, True]


def test_a_column_twice_in_the_training_frame_is_refused_naming_it():
    # Was: AttributeError "'DataFrame' object has no attribute 'dtype'" (a traceback)
    frame = _frame(np.arange(600) % 2)
    frame.columns = ["x1", "x1", "y"]
    with pytest.raises(DataSourceError, match=r"^the training data: 2 columns are named 'x1' \(columns 1 and 2\)"):
        train.fit(frame, target="y")


def test_training_max_number_classes_lifts_or_lowers_the_limit():
    # 120 genuine integer classes had no way through: the advice "write them as text labels" fails
    # for a CSV, which reads a quoted "101" as int64 again
    from ctloop.config import TrainingConfig

    values = np.arange(600) % 120
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for limit in (0, 120):
            cfg = TrainingConfig(estimator="logistic_regression", max_number_classes=limit)
            assert len(train.run(_frame(values), cfg, target="y", time_column="").meta["classes"]) == 120
    with pytest.raises(DataValidationError, match=r"120 distinct numbers, each a class of a classifier \(at most 50"):
        train.run(_frame(values), TrainingConfig(max_number_classes=50), target="y", time_column="")
    assert TrainingConfig.from_dict({"max_number_classes": 500}).max_number_classes == 500
    with pytest.raises(ConfigError, match="max_number_classes"):
        TrainingConfig.from_dict({"max_number_classes": -1})


def test_the_backtest_refuses_hundreds_of_number_classes_before_the_replay():
    # 120 integer classes over 4 days, under 100 in each 1-day window (--min-train-rows 50: the
    # classes-vs-rows refusal does not apply): the replay's first model trained, then every retrain
    # was skipped with the DataValidationError. Now one line up front.
    from ctloop.backtest import run_backtest
    from ctloop.config import TrainingConfig
    from tests.unit.test_backtest_inputs import config, frame

    data = frame()
    data["y"] = np.arange(len(data)) % 120
    with pytest.raises(DataValidationError, match=r"column 'y' breaks rule 'classes' in 400 row\(s\): 120 distinct "
                                                  r"numbers, each a class of a classifier \(at most 100"):
        run_backtest(data, config(policy="always", min_train_rows=50))
    # the setting lifts it there too
    report = run_backtest(data, config(policy="always", min_train_rows=50,
                                       training=TrainingConfig(estimator="logistic_regression", seed=0,
                                                               max_number_classes=0)))
    assert report is not None
