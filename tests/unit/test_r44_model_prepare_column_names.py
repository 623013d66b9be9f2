"""Column names ``prepare_data`` cannot pass on (a frame handed to the prepare core).

Was: a column named ``_ctloop_weight`` (the recency weights' name: a prepared training set written
back as a source table) passed through, and the fit weighed every row by it, silently (with
``recency_half_life`` it was overwritten, silently); a non-text name (``0``) passed too and the fit
failed with scikit-learn's raw "Feature names are only supported if all input features have string
names". Now both are refused in one line naming the column, as ``ctloop backtest`` refuses them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.errors import DataSourceError


def _frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {"t": pd.date_range("2025-01-01", periods=50, freq="h"), "x": np.arange(50.0)}
    )
    return frame.assign(y=np.arange(50) % 2)


@pytest.mark.parametrize("half_life", [None, "1D"])
def test_the_weights_name_is_reserved(half_life):
    with pytest.raises(
        DataSourceError,  # round 50: a header's problem in one line (was a rule broken "in 50 row(s)")
        match=r"^the column name '_ctloop_weight' \(column 4\) is reserved for the recency weights",
    ):
        prepare(
            _frame().assign(_ctloop_weight=1.0),
            target="y",
            time_column="t",
            recency_half_life=half_life,
        )


def test_a_name_that_is_not_text_is_named():
    with pytest.raises(
        DataSourceError,
        match=r"^column name 0 \(column 2\) is not text \(int\)",
    ):
        prepare(_frame().rename(columns={"x": 0}), target="y", time_column="t")
