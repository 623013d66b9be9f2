"""Class labels written in two Unicode normalization forms (``café`` with ``é`` as one character,
NFC, and as ``e`` plus a combining accent, NFD, as macOS file names and some exports write it).

Was (round 44): the fit learnt them as two classes that print alike (``classes: ['café', 'café',
'oui']``), each with half the rows, and ``prepare_data`` let them through; labels differing in case
or spaces only were already refused. Now they are refused the same way, written so they can be told
apart; single letters that differ only in case stay distinct classes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.components.prepare.core import prepare
from ctloop.components.train.core import fit
from ctloop.errors import DataValidationError

NFC, NFD = "caf\u00e9", "cafe\u0301"


def _frame(labels) -> pd.DataFrame:
    n = len(labels)
    return pd.DataFrame(
        {
            "ts": pd.date_range("2025-01-01", periods=n, freq="h"),
            "x": np.arange(n, dtype=float),
            "y": labels,
        }
    )


LABELS = [NFC, NFD, "oui", "oui"] * 25
MESSAGE = (
    r"column 'y' breaks rule 'labels' in 50 row\(s\): classes written more than one way \('cafe\\u0301' and "
    r"'caf\\xe9'; the same text in two Unicode forms, an accent as a character of its own or not\): write each "
    r"class one way"
)


def test_the_fit_refuses_them():
    with pytest.raises(DataValidationError, match=MESSAGE):
        fit(_frame(LABELS).drop(columns=["ts"]), target="y", search_iterations=0)


def test_prepare_refuses_them():
    with pytest.raises(DataValidationError, match=MESSAGE):
        prepare(_frame(LABELS), target="y", time_column="ts")


def test_single_letters_in_either_case_and_one_form_still_train():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit(
            _frame(["\u00e9", "\u00c9"] * 50).drop(columns=["ts"]), target="y", search_iterations=0
        )
    assert result.meta["classes"] == ["\u00c9", "\u00e9"]
