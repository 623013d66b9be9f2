"""Event times near the ends of pandas' nanosecond timestamps (1677-09-21 … 2262-04-11, pandas
2.3.3 ``_libs/tslibs/np_datetime.pyx``): times that are read, but whose replay windows would start
or end beyond that range, were an OutOfBoundsDatetime traceback from the window edges."""

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.config import GateConfig, TrainingConfig
from ctloop.errors import DataValidationError


def frame(start: str, days: float, rows: int = 800) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ts = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.random(rows)) * days, unit="D")
    a = rng.normal(size=rows)
    return pd.DataFrame({"ts": ts, "a": a, "y": (a + rng.normal(0, 0.7, rows) > 0).astype(int)})


def config(**kw) -> BacktestConfig:
    return BacktestConfig(**{**dict(target="y", time_column="ts", window="7D", policy="never",
                                    training=TrainingConfig(estimator="logistic_regression", seed=0),
                                    gate=GateConfig.from_dict({"bootstrap_rounds": 20, "seed": 0,
                                                               "thresholds": {"roc_auc": 0.5}})), **kw})


@pytest.mark.parametrize(("start", "days", "window", "side"), [
    ("2262-01-01", 99.5, "7D", "end after"),   # the last window's end, 2262-04-16, is beyond 2262-04-11
    ("2262-01-01", 100.5, "1D", "end after"),
    ("1677-09-21 00:30", 60, "7D", "start before"),  # the first time floored to its day: 1677-09-21 00:00
])
def test_windows_beyond_pandas_timestamps_name_the_time_column(start, days, window, side):
    with pytest.raises(DataValidationError) as err:
        run_backtest(frame(start, days), config(window=window))
    text = str(err.value)
    assert "column 'ts' breaks rule 'time_range'" in text and f"--window {window}" in text
    assert f"would {side} the times pandas holds (1677-09-21 00:12:43 … 2262-04-11 23:47:16" in text


def test_times_whose_windows_fit_are_replayed():
    report = run_backtest(frame("2262-01-01", 90), config())
    assert report.windows[-1].end == "2262-04-02 00:00:00" and report.mean_metric is not None


def test_a_label_delay_past_2262_is_labels_that_never_arrive_not_labels_from_1777():
    """numpy's datetime64 sum wraps round: rows of 2200 with a 100-year --label-delay had their labels
    arrive in 1777, that is at once (the end of their window), and the replay retrained as without a
    delay. Their labels arrive after the replay ends, as those of rows of 2024 with that delay."""
    for start in ("2024-01-01", "2200-01-01"):
        with pytest.raises(DataValidationError, match=r"no window can train an initial model: .*with --label-delay "
                                                      r"36500D the labels of 800 of 800 rows arrive after"):
            run_backtest(frame(start, 60), config(label_delay="36500D", policy="always"))
