"""The missing-label marker rule of ``check_labels`` (review 50, item 5): round 50 refused any label of
punctuation only among number labels, so classes of signs (``'-'``, ``'0'``, ``'+'``: a direction, a
sentiment), ``'0'``/``'+'`` and ``'1'``/``'2'``/``'3'``/``'*'`` (a rating's star) could not be trained.
Now ``'?'`` is refused among number labels on any number of rows (review 50 G: half the rows of an
unlabelled pool, or ``'?'`` beside ``'-'`` from a second source, were trained as a class), and ``'-'``,
``'.'``, ``'--'`` when every punctuation label is one and they are on fewer rows than the numbers;
``'-'`` beside ``'+'`` and ``'*'`` are classes."""

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


@pytest.mark.parametrize(
    "labels, shown",
    [
        (["0"] * 25 + ["1"] * 25 + ["?"] * 50, "'?' in 50 row(s)"),  # half the rows: an unlabelled pool
        (["0"] * 10 + ["1"] * 10 + ["?"] * 80, "'?' in 80 row(s)"),  # most rows (active learning)
        (["0"] * 45 + ["1"] * 45 + ["?"] * 5 + ["-"] * 5, "in 10 row(s)"),  # two sources, two markers
    ],
)
def test_question_marks_among_number_labels_are_refused_on_any_number_of_rows(labels, shown):
    """Each was trained as a class '?' after the round-50 fix E (review 50 G)."""
    with pytest.raises(DataValidationError, match=re.escape(shown)):
        check_labels(pd.Series(labels, dtype=object), "y")


def test_the_line_shows_the_classes_beside_a_question_mark_signs_too():
    """``['-', '0', '+', '?']`` said "labels are numbers ('0') but '?'" (review 50 H)."""
    with pytest.raises(DataValidationError, match=re.escape("labels are numbers ('+', '-', '0') but '?'")):
        check_labels(pd.Series(["-", "0", "+", "?", "0"], dtype=object), "y")
