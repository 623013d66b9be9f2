"""The missing-label marker rule of ``check_labels`` (review 50, item 5): round 50 refused any label of
punctuation only among number labels, so classes of signs (``'-'``, ``'0'``, ``'+'``: a direction, a
sentiment), ``'0'``/``'+'`` and ``'1'``/``'2'``/``'3'``/``'*'`` (a rating's star) could not be trained.
Now refused only when one value of ``MISSING_LABEL_MARKERS`` is the only such label, on fewer rows than
the numbers (UCI's and Weka's ``'?'`` among ``0``/``1``)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ctloop.components.train.core import check_labels
from ctloop.errors import DataValidationError


@pytest.mark.parametrize(
    "labels",
    [
        ["-", "0", "+", "-", "0", "+", "+"],  # signs: a direction of change
        ["0", "+", "0", "+"],  # '+' is no missing-label marker
        ["1", "2", "3", "*", "1", "2"],  # nor is '*'
        ["?", "?", "?", "1"],  # '?' on most rows: a class of its own, not a few labels gone missing
    ],
)
def test_punctuation_classes_beside_numbers_are_classes(labels):
    """Each was refused on main ("labels are numbers (...) but '-' ... a missing-label marker?")."""
    check_labels(pd.Series(labels, dtype=object), "y")


@pytest.mark.parametrize("marker", ["?", "-", ".", "--"])
def test_one_missing_label_marker_on_a_few_rows_is_refused(marker):
    y = pd.Series(["0", "1", "1", "0", marker], dtype=object)
    with pytest.raises(
        DataValidationError,
        match=rf"but {re.escape(repr(marker))} in 1 row\(s\): a missing-label marker\?",
    ):
        check_labels(y, "y")
