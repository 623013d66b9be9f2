"""A column named NaN (``df.columns = df.iloc[0]`` over a header row with an empty cell) crashed
``ctloop.contract.check_column_names`` with an IndexError (a traceback, exit 1): the name's positions
were searched for by ``==`` and ``nan != nan``. Names that ``==`` across types (``0`` and ``0.0``, ``1``
and ``True``: one column to pandas, ``frame[0]`` is a frame) were counted together but placed by type
("2 columns are named 0 (column 2)"). Review 50 B item 1: positions are recorded while counting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.contract import check_column_names
from ctloop.errors import CtloopError, DataSourceError


@pytest.mark.parametrize(
    "names, said",
    [
        (
            ["a", np.nan],
            "column name nan (column 2) is not text (float): name the columns with text",
        ),
        (["a", np.nan, float("nan")], "2 columns are named nan (columns 2 and 3): rename them"),
        (
            ["a", np.float32("nan")],
            "column name np.float32(nan) (column 2) is not text (float32): name the columns with text",
        ),
        (
            ["a", None],
            "column name None (column 2) is not text (NoneType): name the columns with text",
        ),
        (["a", 0, 0.0], "2 columns are named 0 (columns 2 and 3): rename them"),
        (["a", 1, True, "b"], "2 columns are named 1 (columns 2 and 3): rename them"),
        (
            ["a", 2.5, 7, np.nan],
            "column name 2.5 (column 2) is not text (float); column name 7 (column 3) is not text (int); "
            "column name nan (column 4) is not text (float): name the columns with text",
        ),
    ],
    ids=[
        "nan",
        "nan-twice",
        "float32-nan",
        "none",
        "zero-and-zero-point-zero",
        "one-and-true",
        "several",
    ],
)
def test_a_name_that_is_no_text_is_one_line_with_its_positions(names, said):
    with pytest.raises(DataSourceError) as err:
        check_column_names(pd.DataFrame([[1] * len(names)], columns=names))
    assert (
        str(err.value) == said
    )  # on main: IndexError for the NaN names, "(column 2)" for 0 and 0.0
    assert isinstance(err.value, CtloopError)  # the CLI's one line and exit code 2


def test_a_header_read_from_the_first_row_with_an_empty_cell():
    raw = pd.DataFrame(
        [["id", "amount", None], [1, 2.0, 3.0]]
    )  # the third column is float64: None is NaN
    frame = raw.iloc[1:].set_axis(raw.iloc[0], axis=1)  # df.columns = df.iloc[0]
    with pytest.raises(DataSourceError) as err:
        check_column_names(frame)
    assert str(err.value) == (
        "column name np.float64(nan) (column 3) is not text (float64): name the columns with text"
    )  # on main: IndexError


def test_multiindex_names_with_nan_are_counted_as_one_name():
    frame = pd.DataFrame(
        [[1, 2, 3]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("b", np.nan), ("b", np.nan)])
    )
    with pytest.raises(DataSourceError) as err:
        check_column_names(frame)
    assert str(err.value) == "2 columns are named ('b', nan) (columns 2 and 3): rename them"
