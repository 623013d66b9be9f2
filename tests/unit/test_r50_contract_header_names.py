"""A column name given to two columns, a name that is not text, or the recency weights' reserved
name is a header's problem: no row breaks a rule. ``ctloop.contract.check_column_names`` (prepare_data
and ctloop backtest) and ``validate`` said it as a broken rule counted in rows ("column 'a' breaks
rule 'unique_name' in 400 row(s): 2 columns are named 'a'", review 50 H4 item 3), while names alike
but for case or spaces were one line naming them (a ``DataSourceError``). Now every header problem is
that one line, naming the column and where it is, as a Parquet file naming a column twice is
(``storage.refuse_repeated_columns``: "has column 'a' twice (columns 2 and 4)")."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.contract import DataContract, check_column_names, validate
from ctloop.errors import DataSourceError


def _frame(names: list) -> pd.DataFrame:
    return pd.DataFrame([[1.0] * len(names)] * 400, columns=names)


@pytest.mark.parametrize(
    "names, said",
    [
        (["ts", "a", "a", "y"], "2 columns are named 'a' (columns 2 and 3): rename them"),
        (["a", 0, "b", 0, 0], "3 columns are named 0 (columns 2, 4 and 5): rename them"),
        (["ts", 0, "y"], "column name 0 (column 2) is not text (int): name the columns with text"),
        (
            ["ts", "__ctloop_weight__", "y"],
            "the column name '__ctloop_weight__' (column 2) is reserved for the recency weights of "
            "data.recency_half_life: rename the column",
        ),
    ],
    ids=["twice", "three-times", "number", "reserved"],
)
def test_a_header_problem_is_one_line_naming_the_column_not_rows(names, said):
    from ctloop.columns import WEIGHT

    names = [WEIGHT if n == "__ctloop_weight__" else n for n in names]
    said = said.replace("__ctloop_weight__", WEIGHT)
    with pytest.raises(DataSourceError) as err:
        check_column_names(_frame(names))
    assert str(err.value) == said  # on main: "data contract violated (1 rule(s)): ... in 400 row(s)"


def test_validate_says_a_repeated_name_as_the_header_check_does():
    contract = DataContract.from_dict({"columns": {"x": {"dtype": "int"}}})
    with pytest.raises(DataSourceError) as err:
        validate(_frame(["x", "x", "y"]), contract)
    assert str(err.value) == "2 columns are named 'x' (columns 1 and 2): rename them"
