"""Round 61, item 1: ``check_integer_width`` leaves the data contract's text columns (``DataContract.text_columns``)
as ``check_finite`` does in ``ctloop backtest`` (``BacktestConfig.text_columns``, from ``--config``'s contract).

prepare_data reads such a column as text (``contract.validate`` coerces it to dtype string) before its check, so a
notebook's account numbers (Python ints, one of 26 digits) passed prepare_data and were refused by the backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.config import TrainingConfig
from ctloop.errors import DataValidationError


def _accounts(rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ts = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.random(rows)) * 4, unit="D")
    a = rng.normal(size=rows)
    acct = pd.Series([1000 + i for i in range(rows - 1)] + [10**25], dtype=object)  # Python ints: a notebook's
    return pd.DataFrame({"ts": ts, "a": a, "acct": acct, "y": (a > 0).astype(int)})


def _cfg(text_columns: tuple[str, ...]) -> BacktestConfig:
    return BacktestConfig(target="y", time_column="ts", window="1D", policy="never", train_window="1D",
                          training=TrainingConfig(estimator="logistic_regression"), text_columns=text_columns)


def test_prepare_data_reads_a_contract_text_column_of_long_integers():
    from ctloop.components.prepare.core import prepare

    prepare(_accounts(), target="y", time_column="ts", contract={"columns": {"acct": {"dtype": "string"}}}, window=None)


def test_the_backtest_leaves_a_contract_text_column_of_long_integers_as_prepare_data_does():
    report = run_backtest(_accounts(), _cfg(("acct",)))
    assert report is not None


def test_without_the_contract_the_long_integer_is_still_refused():
    with pytest.raises(DataValidationError, match="column 'acct' breaks rule 'int64'"):
        run_backtest(_accounts(), _cfg(()))
