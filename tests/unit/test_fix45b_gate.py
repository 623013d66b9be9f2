"""The gate reads a holdout as the fit reads training data.

Was (round 45): the gate matched a champion's text class to a holdout label written another way by
``strip().casefold()`` only, while the fit refuses two Unicode forms of one class (NFC and NFD) as one
class written two ways: a champion trained on 'café' (NFC) scored every NFD 'café' of the holdout as
an error, and a far worse challenger was approved (accuracy delta +0.43 "passed"). And the gate read
only 'nan' written as text in a numeric feature as a gap, not '<NA>', 'None', 'NULL' or the other text
``pandas.read_csv`` reads as missing. Now both models' classes are matched under the fit's one key
(:func:`ctloop.contract.text_key`), and every text of pandas' ``na_values`` default is a gap.
"""

from __future__ import annotations

import unicodedata
import warnings

import numpy as np
import pandas as pd
import pytest
from pandas._libs.parsers import STR_NA_VALUES  # pandas 2.3.3, pandas/_libs/parsers.pyx

from ctloop.components.evaluate import core as evaluate
from ctloop.components.train.core import fit


@pytest.fixture(scope="module")
def coffee():
    rng = np.random.default_rng(0)
    n = 700
    frame = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    label = np.where(frame.x + 0.3 * rng.normal(size=n) > 0, "café", "tea")
    champion_rows = frame.iloc[:300].assign(
        y=[unicodedata.normalize("NFC", v) for v in label[:300]]
    )
    nfd = frame.assign(y=[unicodedata.normalize("NFD", v) for v in label])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        champion = fit(
            champion_rows, target="y", estimator="logistic_regression", search_iterations=0
        ).model
        challenger = fit(
            nfd.iloc[300:330], target="y", estimator="logistic_regression", search_iterations=0
        ).model
    return champion, challenger, nfd.iloc[330:]


def test_nfc_champion_is_compared_on_an_nfd_holdout(coffee):
    champion, challenger, holdout = coffee
    assert "cafe\u0301" in set(holdout.y) and "caf\xe9" in {str(c) for c in champion.classes_}
    decision = evaluate.gate(
        challenger,
        holdout,
        target="y",
        task="classification",
        champion=champion,
        thresholds={"accuracy": 0.5},
        primary_metric="accuracy",
        bootstrap_rounds=50,
        tolerance=0.0,
    )
    assert not decision.approved, decision.reason  # the champion, fitted on 10x the rows, is better
    assert decision.comparison is not None and decision.comparison["delta"] < 0
    # they print alike: shown by their characters
    assert (
        "the champion's classes 'caf\\xe9' as 'cafe\\u0301' (the same classes written another way; the "
        "same text in two Unicode forms"
    ) in decision.reason


def test_single_characters_in_another_case_stay_apart():
    classes = ["A", "b"]
    assert evaluate._classes_as_written(classes, ["a", "b"], ["a", "b"]) == {}
    # one character in another form ('é' NFC vs 'e' + accent) is the same class; in another case it is not
    assert evaluate._classes_as_written(["\xe9", "b"], ["e\u0301", "b"], ["e\u0301", "b"]) == {
        "\xe9": "e\u0301"
    }


@pytest.mark.parametrize("text", sorted(STR_NA_VALUES, key=repr))
def test_text_pandas_reads_as_missing_is_a_gap(text):
    """In most cells (a nullable column written with astype(str): '<NA>'), it leaves the column numbers:
    read as missing, not as words that say the column's type changed."""
    frame = pd.DataFrame({"c": [f" {text} ", text, text, "?", "2", "3"], "y": 1.0})
    found = evaluate._words_as_missing(frame, "c", "y")
    assert found is not None, text
    out, rows, example = found
    assert rows == 4 and example == "?"
    assert out["c"].tolist()[4:] == [2.0, 3.0] and out["c"].isna().sum() == 4


def test_inf_stays_a_word():
    frame = pd.DataFrame({"c": ["inf", "<NA>", "1", "2", "3", "4"], "y": 1.0})
    out, rows, example = evaluate._words_as_missing(frame, "c", "y")
    assert rows == 2 and example == "inf"


def test_a_sign_unicode_holds_the_same_as_a_letter_is_named():
    """Not only accents: the Kelvin sign is 'K' in NFC (and the ohm sign omega); the fit names them."""
    from ctloop.components.train.core import fit as fit_labels
    from ctloop.errors import DataValidationError

    frame = pd.DataFrame({"x": np.arange(40.0), "y": ["300 \u212a", "300 K"] * 20})
    with pytest.raises(DataValidationError) as caught:
        fit_labels(frame, target="y", search_iterations=0)
    assert (
        "the same text in two Unicode forms, '\\u212a' (KELVIN SIGN) for 'K' (LATIN CAPITAL LETTER K)): write each "
        "class one way"
    ) in str(caught.value)
    assert evaluate._classes_as_written(["\u2126", "b"], ["\u03a9", "b"], ["\u03a9", "b"]) == {
        "\u2126": "\u03a9"
    }
