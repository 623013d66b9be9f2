"""Edges of :func:`ctloop.backtest.count_target_note` (the note that a classification target looks
like a count): a target whose values each sit in as many rows (25 ids, one row each) has no tail
to rank, and numpy's correlation of a constant warned ``RuntimeWarning: invalid value encountered
in divide`` on every replay of such a target — a warning the user cannot act on. It now says
nothing, silently."""

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import count_target_note


@pytest.mark.parametrize(
    "y",
    [
        pytest.param(pd.Series(np.arange(25)), id="25-values-one-row-each"),
        pytest.param(
            pd.Series(np.repeat(np.arange(30), 3).astype(float)),
            id="30-values-three-rows-each-floats",
        ),
    ],
)
def test_values_all_in_as_many_rows_say_nothing_and_warn_nothing(y):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert count_target_note(y, "target") is None
