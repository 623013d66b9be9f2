"""Round 57's leftovers in the numbers-as-text note (``contract.check_numbers_as_text``, a note, never a refusal,
for written numbers): '5 lakh' was advised "strip 'lakh'" (5, not 500,000: a multiplier, not a unit); '1.234,5' rows
of a column mixing '.' and ',' decimals were advised "replace ',' by '.'" ('1.234.5', no number); capitalised units
of 3+ letters ('36 Months', '80 Kmpl') were read as names ('12 Main') and the column passed without a word; blank
texts ('', '  ': a Parquet empty string, a spreadsheet's cell of spaces) among numbers were refused as marker words
(exit 2, every retrain stopped) with the advice to "blank those cells". Each piece of advice is run on its example."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ctloop.contract import check_numbers_as_text
from ctloop.errors import DataValidationError
from tests.unit.test_r57_numtext_note_only import _note

PLAIN_KM = [str(5000 + 487 * i) for i in range(498)]


# Indian numbering (lakh 10^5, crore 10^7) and the English words: what the written number means, whatever the text
SCALE = {"lakh": 100_000, "crore": 10_000_000, "thousand": 1_000, "million": 1_000_000}


@pytest.mark.parametrize(
    "values",
    [
        PLAIN_KM + ["5 lakh", "60000 approx", "70 thousand"],  # a few strays: the few-words branch
        [f"{v} lakh" for v in range(1, 60)],  # a column of them: the repeating-affix branch
        PLAIN_KM[:250] + [f"{v} crore" for v in range(1, 60)],
    ],
)
def test_a_multiplier_word_is_advised_multiplied_out_not_stripped(values):
    note = _note(values)
    # was: "strip 'lakh'", which gives 5
    assert not re.search(r"strip [^;]*'(lakh|crore|thousand)'", note), note
    example, value = re.search(r"out in full \('([^']*)' is ([\d.]+)\)", note).groups()
    number, word = example.split()
    assert float(value) == float(number) * SCALE[word], note
    assert "with a multiplier word" in note, note
    if "approx" in note:  # the other affix is still advised stripped
        assert "strip 'approx'" in note, note


def test_a_mixed_decimal_comma_column_with_thousands_dots_is_normalised_row_by_row():
    rng = np.random.default_rng(58)
    amounts = np.round(rng.uniform(1_000, 90_000, 150), 2)
    # '12.345,67'
    comma = [f"{v:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") for v in amounts]
    plain = [f"{v / 8:g}" for v in range(101, 300)]  # '12.625'
    note = _note(plain + comma)
    assert "mixes '.' and ',' decimals" in note and "read_csv" not in note, note
    # the advice, done as it says on every row written with a comma (was: "replace ',' by '.'", '12.345.67')
    assert "delete the '.' thousands separators and replace ',' by '.'" in note, note
    done = [float(t.replace(".", "").replace(",", ".")) for t in comma]
    assert done == amounts.tolist()


@pytest.mark.parametrize("unit", ["Months", "Years", "Kmpl", "Bhp", "Hrs"])
@pytest.mark.parametrize("beside", [0, 100])
def test_a_capitalised_unit_is_a_unit(unit, beside):
    values = PLAIN_KM[:beside] + [f"{v} {unit}" for v in range(1, 73)]
    # was: no note (a name such as 'Main'), each value a category without a word
    note = _note(values)
    assert f"72 rows with a unit or currency ('{unit}')" in note and f"strip '{unit}'" in note, note


@pytest.mark.parametrize(
    "name",
    [
        lambda v: f"{v % 90 + 1} Main",
        lambda v: f"{v % 28 + 1} Jan",
        lambda v: f"{v % 28 + 1} March",
    ],
)
def test_streets_and_months_are_still_names(name):
    assert _note([str(v) if v % 2 else name(v) for v in range(1000, 1600)]) == ""


@pytest.mark.parametrize("blanks", [[""], ["", " ", "  "], ["\t"]])
def test_blank_texts_among_numbers_are_noted_never_refused(blanks):
    note = _note(PLAIN_KM + blanks)  # was: DataValidationError, "blank those cells"
    assert f"{len(blanks)} row{'s' * (len(blanks) > 1)} blank text (e.g. {blanks[0]!r})" in note, (
        note
    )
    assert "write the blank texts as nulls" in note and "blank those" not in note, note


def test_blank_texts_beside_written_numbers_are_named_as_blanks():
    note = _note(PLAIN_KM + ["96,276 km", " "])
    assert (
        "1 row with a unit or currency ('km')" in note and "1 row blank text (e.g. ' ')" in note
    ), note
    note = _note([f"{v:,} km" for v in range(1000, 9000, 97)] + [""])
    assert "1 row blank text (e.g. '')" in note and "blank the text" not in note, note


def test_a_real_marker_beside_blanks_is_still_refused_and_named():
    with pytest.raises(DataValidationError, match=r"text in the others \(e\.g\. '\?'\)"):
        check_numbers_as_text(pd.DataFrame({"c": PLAIN_KM + ["", "?"]}), ["c"])


def test_a_code_column_with_blanks_passes_as_codes():
    codes = [str(v) for v in np.random.default_rng(2).choice(np.arange(1000, 1030), 2000)]
    assert _note(codes + [""]) == ""
