"""Column names ``prepare_data`` and ``ctloop backtest`` refuse, by one check
(``ctloop.contract.check_column_names``).

Was (round 44): two copies of the check, worded differently ("the column name appears more than
once" against "2 columns are named 'a'"), and the backtest's counted a name by its text: two
columns named ``0`` (a frame built from a NumPy array, then concatenated) were refused as
"0 columns are named '0'". Now one check, one wording, counting the names themselves."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.backtest import run_backtest
from ctloop.components.prepare.core import prepare
from ctloop.errors import DataSourceError
from tests.unit.test_backtest_inputs import config, frame  # the backtest's small stream


def _prepare(data: pd.DataFrame) -> None:
    prepare(data, target="y", time_column="ts")


def _backtest(data: pd.DataFrame) -> None:
    run_backtest(data, config())


@pytest.mark.parametrize("run", [_prepare, _backtest], ids=["prepare", "backtest"])
@pytest.mark.parametrize(
    "names, shown",
    [(["ts", "a", "a", "y"], "'a'"), (["ts", 0, 0, "y"], "0")],
    ids=["text", "number"],
)
def test_a_name_given_to_two_columns_is_counted_and_named_alike(run, names, shown):
    data = frame()
    data.columns = names
    with pytest.raises(  # round 50: a header's problem in one line, not a rule broken "in 400 row(s)"
        DataSourceError,
        match=rf"^2 columns are named {shown} \(columns 2 and 3\): rename them$",
    ):
        run(data)
